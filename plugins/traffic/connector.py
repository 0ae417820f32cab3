"""The traffic police connector: violations detected by cameras and patrols ("phạt nguội").

Contract (a real integration subclasses :class:`TrafficPolice` and is chosen with
``[connectors.traffic_police] kind = "..."`` in ``station.toml``):

* ``lookup(plate, vehicle_type)`` → the plate's violations (any status);
* ``vehicles_of(id_number)`` → the vehicles registered to a personal ID number;
* ``violation(violation_id)`` → one violation or None;
* ``record_payment(violation_id, decision_number, amount_vnd, payment_ref)`` → tell the
  handling office a decided fine was paid (the State Treasury receipt reference).

Statuses: ``unresolved`` (detected, not yet penalised — the owner must go to the handling
office), ``penalised`` (a decision with the decided amount exists: payable), ``paid``.
The embedded :class:`TrafficPoliceSimulator` is seeded with realistic, deterministic cases for
the test citizens' vehicles and labelled as simulated everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sdk.connectors import Connector, ConnectorUnavailable, Simulator  # noqa: F401 — re-exported for partners

UNRESOLVED, PENALISED, PAID = "unresolved", "penalised", "paid"
STATUS_TEXT = {UNRESOLVED: {"vi": "Chưa xử phạt", "en": "Not yet penalised"},
               PENALISED: {"vi": "Đã ra quyết định xử phạt — chưa nộp", "en": "Penalised — not paid"},
               PAID: {"vi": "Đã nộp phạt", "en": "Paid"}}


@dataclass(frozen=True)
class Office:
    """The handling office: where to go, whom to call."""

    name: str
    address: str
    phone: str


@dataclass(frozen=True)
class Vehicle:
    """A vehicle registered to a person."""

    plate: str
    vehicle_type: str
    description: str


@dataclass(frozen=True)
class Violation:
    """One detected violation."""

    id: str
    plate: str
    vehicle_type: str
    occurred_at: str  # ISO 8601, Vietnam time
    place: str
    offence_code: str
    status: str
    detecting_unit: str
    office: Office
    decision_number: str | None = None
    decided_amount_vnd: int | None = None


class TrafficPolice(Connector):
    """Interface of the traffic police system (see the module docstring)."""

    def lookup(self, plate: str, vehicle_type: str) -> list[Violation]:
        raise NotImplementedError

    def vehicles_of(self, id_number: str) -> list[Vehicle]:
        raise NotImplementedError

    def violation(self, violation_id: str) -> Violation | None:
        raise NotImplementedError

    def record_payment(self, violation_id: str, decision_number: str, amount_vnd: int, payment_ref: str) -> None:
        raise NotImplementedError


HCM_OFFICE = Office("Phòng Cảnh sát giao thông – Công an TP. Hồ Chí Minh (mô phỏng)",
                    "459 Trần Hưng Đạo, phường Cầu Ông Lãnh, TP. Hồ Chí Minh", "028 0000 1111 (mô phỏng)")
HANOI_OFFICE = Office("Phòng Cảnh sát giao thông – Công an TP. Hà Nội (mô phỏng)",
                      "86 Lê Thánh Tông, phường Cửa Nam, Hà Nội", "024 0000 2222 (mô phỏng)")
HAIPHONG_OFFICE = Office("Phòng Cảnh sát giao thông – Công an TP. Hải Phòng (mô phỏng)",
                         "4 Lý Tự Trọng, phường Hồng Bàng, Hải Phòng", "0225 000 3333 (mô phỏng)")
DANANG_OFFICE = Office("Phòng Cảnh sát giao thông – Công an TP. Đà Nẵng (mô phỏng)",
                       "02 Lê Hồng Phong, phường Hải Châu, Đà Nẵng", "0236 000 4444 (mô phỏng)")

SEED_VEHICLES = {
    "001085999001": [Vehicle("29A-123.45", "car", "Toyota Vios, trắng"),
                     Vehicle("29-X1 234.56", "motorbike", "Honda Wave Alpha, đỏ")],
    "079192999002": [Vehicle("51F-123.45", "car", "Mazda CX-5, xanh"),
                     Vehicle("59-X1 123.45", "motorbike", "Honda Vision, đen")],
    "048203999003": [Vehicle("43-B1 456.78", "motorbike", "Yamaha Exciter, xanh")],
    "031304999004": [Vehicle("15-MĐ1 012.34", "ebike", "VinFast Evo200, trắng")],
    "040183999005": [Vehicle("37-C1 345.67", "motorbike", "Honda Lead, bạc")],
    "038070999006": [Vehicle("36A-678.90", "car", "Ford Ranger, xám")],
}

SEED_VIOLATIONS = (
    Violation("VP250314001", "51F-123.45", "car", "2025-03-14T07:42:00+07:00",
              "Ngã tư Hàng Xanh, TP. Hồ Chí Minh", "car_red_light", PENALISED,
              "Đội CSGT đường bộ số 1 – Phòng CSGT TP. Hồ Chí Minh (camera giám sát)", HCM_OFFICE,
              "1234/QĐ-XPHC", 18_000_000),
    Violation("VP250402017", "51F-123.45", "car", "2025-04-02T16:05:00+07:00",
              "Xa lộ Hà Nội, TP. Thủ Đức, TP. Hồ Chí Minh", "car_speed_10_20", UNRESOLVED,
              "Trạm CSGT Rạch Chiếc – Phòng CSGT TP. Hồ Chí Minh", HCM_OFFICE),
    Violation("VP250120045", "29A-123.45", "car", "2025-01-20T21:15:00+07:00",
              "Đại lộ Thăng Long, km 8, Hà Nội", "car_speed_20_35", PENALISED,
              "Đội CSGT số 6 – Phòng CSGT Hà Nội (camera giám sát)", HANOI_OFFICE,
              "567/QĐ-XPHC", 6_000_000),
    Violation("VP250211003", "29-X1 234.56", "motorbike", "2025-02-11T08:10:00+07:00",
              "Ngã tư Kim Liên – Giải Phóng, Hà Nội", "bike_red_light", PAID,
              "Đội CSGT số 3 – Phòng CSGT Hà Nội", HANOI_OFFICE, "233/QĐ-XPHC", 4_000_000),
    Violation("VP250305022", "59-X1 123.45", "motorbike", "2025-03-05T12:30:00+07:00",
              "Đường Nguyễn Văn Linh, TP. Hồ Chí Minh", "bike_no_helmet", PENALISED,
              "Đội CSGT đường bộ số 2 – Phòng CSGT TP. Hồ Chí Minh", HCM_OFFICE, "890/QĐ-XPHC", 400_000),
    Violation("VP250418009", "15-MĐ1 012.34", "ebike", "2025-04-18T17:55:00+07:00",
              "Ngã tư Lạch Tray – Văn Cao, Hải Phòng", "bike_red_light", PENALISED,
              "Đội CSGT số 1 – Phòng CSGT Hải Phòng (camera giám sát)", HAIPHONG_OFFICE,
              "145/QĐ-XPHC", 4_000_000),
    Violation("VP250501031", "43-B1 456.78", "motorbike", "2025-05-01T23:20:00+07:00",
              "Đường Bạch Đằng, Đà Nẵng", "bike_alcohol_1", UNRESOLVED,
              "Tổ công tác Đội CSGT số 2 – Phòng CSGT Đà Nẵng", DANANG_OFFICE),
)


class TrafficPoliceSimulator(Simulator, TrafficPolice):
    """SIMULATOR seeded with the cases above (deterministic; payments kept in memory)."""

    label = {"vi": "Hệ thống CSGT mô phỏng — dữ liệu không có thật",
             "en": "Simulated traffic police system — not real data"}

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._violations = {v.id: v for v in SEED_VIOLATIONS}

    def lookup(self, plate: str, vehicle_type: str) -> list[Violation]:
        return sorted((v for v in self._violations.values() if v.plate == plate and v.vehicle_type == vehicle_type),
                      key=lambda v: v.occurred_at, reverse=True)

    def vehicles_of(self, id_number: str) -> list[Vehicle]:
        return list(SEED_VEHICLES.get(id_number, []))

    def violation(self, violation_id: str) -> Violation | None:
        return self._violations.get(violation_id)

    def record_payment(self, violation_id: str, decision_number: str, amount_vnd: int, payment_ref: str) -> None:
        current = self._violations.get(violation_id)
        if current is not None and current.decision_number == decision_number:
            self._violations[violation_id] = replace(current, status=PAID)


REGISTRY = {"simulator": TrafficPoliceSimulator}
