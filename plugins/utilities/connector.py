"""EVN and water company connectors: unpaid bills by customer code, and payment notices.

Contract (one interface for both; a real integration subclasses :class:`BillingConnector`
and is chosen by ``[connectors.evn]`` / ``[connectors.water]`` ``kind``):

* ``unpaid_bills(code)`` → the customer's unpaid bills (oldest first);
* ``bill(bill_id)`` → one bill or None;
* ``record_payment(bill_ids, payment_ref)`` → the bills were paid at the station;
* ``customer(code)`` → the name and address on the customer's bills (or None), shown before
  paying so the citizen can check they are paying their own bill (a connector that does not
  know them keeps the default None).

A :class:`Bill` carries period, meter readings, consumption, the tiered breakdown (computed
with :mod:`tariff` from the consumption), total and due date. The simulators are seeded,
deterministic and labelled as simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

from sdk.connectors import Connector, Simulator

from .tariff import Charge, electricity_charge, water_charge


@dataclass(frozen=True)
class Bill:
    """One monthly bill."""

    id: str
    kind: str
    customer_code: str
    period: str  # YYYY-MM
    reading_from: int
    reading_to: int
    due_date: str  # YYYY-MM-DD
    charge: Charge

    @property
    def consumption(self) -> int:
        return self.reading_to - self.reading_from

    @property
    def total(self) -> int:
        return self.charge.total

    @property
    def period_text(self) -> str:
        year, month = self.period.split("-")
        return f"{month}/{year}"


@dataclass(frozen=True)
class Customer:
    """The customer as the utility's bill names them."""

    name: str
    address: str


class BillingConnector(Connector):
    """Interface of a utility's billing system (see the module docstring)."""

    kind = ""

    def unpaid_bills(self, code: str) -> list[Bill]:
        raise NotImplementedError

    def bill(self, bill_id: str) -> Bill | None:
        raise NotImplementedError

    def record_payment(self, bill_ids: list[str], payment_ref: str) -> None:
        raise NotImplementedError

    def customer(self, code: str) -> Customer | None:
        """The name and address on the customer's bills, when the utility gives them."""
        return None


# code → [(period, reading from, reading to, due date)]
EVN_SEED = {
    "PD01000123456": [("2025-04", 10230, 10418, "2025-05-20"), ("2025-05", 10418, 10655, "2025-06-20")],
    "PE04000765432": [("2025-05", 5021, 5342, "2025-06-18")],
    "PB05020054904": [("2025-05", 33110, 33245, "2025-06-15")],
    "PC06000111222": [("2025-05", 870, 912, "2025-06-22")],
    "PA02000333444": [],
}
WATER_SEED = {
    "NSHN0012345": [("2025-04", 1204, 1221, "2025-05-25"), ("2025-05", 1221, 1247, "2025-06-25")],
    "SWC0045678": [("2025-05", 880, 912, "2025-06-20")],
}


# code → (name, address) as the simulated bills print them (fictional people and addresses)
CUSTOMERS = {
    "PD01000123456": ("NGUYỄN VĂN AN", "Số 12 ngõ 34 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội"),
    "PE04000765432": ("TRẦN THỊ BÌNH", "45 đường Lê Lợi, phường Bến Thành, TP. Hồ Chí Minh"),
    "PB05020054904": ("LÊ VĂN CƯỜNG", "7 đường Trần Phú, phường Hải Châu, Đà Nẵng"),
    "PC06000111222": ("PHẠM THỊ DUNG", "Thôn Đông, xã Tân Lập, tỉnh Thái Nguyên"),
    "PA02000333444": ("HOÀNG VĂN EM", "88 phố Lạch Tray, phường Ngô Quyền, Hải Phòng"),
    "NSHN0012345": ("NGUYỄN VĂN AN", "Số 12 ngõ 34 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội"),
    "SWC0045678": ("VÕ THỊ GIANG", "120 đường Nguyễn Trãi, phường Chợ Quán, TP. Hồ Chí Minh"),
}


class _SeededBilling(Simulator, BillingConnector):
    seed: dict[str, list[tuple[str, int, int, str]]] = {}
    prefix = ""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.vat_percent = int(self.settings.get("vat_percent", 8))
        self._bills: dict[str, Bill] = {}
        for code, rows in self.seed.items():
            for period, start, end, due in rows:
                bill = Bill(f"{self.prefix}{period.replace('-', '')}-{code[-6:]}", self.kind, code, period, start, end,
                            due, self._charge(end - start))
                self._bills[bill.id] = bill
        self._paid: set[str] = set()

    def _charge(self, consumption: int) -> Charge:
        raise NotImplementedError

    def unpaid_bills(self, code: str) -> list[Bill]:
        return sorted((b for b in self._bills.values() if b.customer_code == code and b.id not in self._paid),
                      key=lambda b: b.period)

    def bill(self, bill_id: str) -> Bill | None:
        return self._bills.get(bill_id)

    def record_payment(self, bill_ids: list[str], payment_ref: str) -> None:
        self._paid |= {b for b in bill_ids if b in self._bills}

    def customer(self, code: str) -> Customer | None:
        if code not in self.seed or code not in CUSTOMERS:
            return None
        return Customer(*CUSTOMERS[code])


class EvnSimulator(_SeededBilling):
    """SIMULATED EVN billing, seeded with residential customers."""

    kind = "electricity"
    prefix = "HDD"
    seed = EVN_SEED
    label = {"vi": "Hệ thống EVN mô phỏng — hoá đơn không có thật", "en": "Simulated EVN system — not real bills"}

    def _charge(self, consumption: int) -> Charge:
        return electricity_charge(consumption, self.vat_percent)

    def customer(self, code: str) -> Customer | None:
        from .customer_record import holder_of_code

        found = super().customer(code)
        row = holder_of_code(code)  # the bill goes to the address EVN now has (records check updates it)
        if found is None or row is None:
            return found
        return Customer(found.name, row.address)


class WaterSimulator(_SeededBilling):
    """SIMULATED water company billing."""

    kind = "water"
    prefix = "HDN"
    seed = WATER_SEED
    label = {"vi": "Công ty nước mô phỏng — hoá đơn không có thật", "en": "Simulated water company — not real bills"}

    def _charge(self, consumption: int) -> Charge:
        return water_charge(consumption)


EVN_REGISTRY = {"simulator": EvnSimulator}
WATER_REGISTRY = {"simulator": WaterSimulator}
