"""The outside systems the pharmacy talks to — interfaces and their embedded simulators.

* ``prescriptions`` — the national e-prescription system: look a prescription up by its code,
  post back what was dispensed.
* ``pharmacy_inventory`` — the pharmacy chain's catalogue, prices and stock at this station.
* ``teleconsult`` — the operator's doctors' schedule: free slots, booking, cancelling.

A site picks implementations in ``station.toml`` (``[connectors.prescriptions] kind = ...``);
the simulators (the default) hold seeded, deterministic, clearly labelled data for the
test citizens of ``hal.sim.citizens`` and keep their state in memory.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import peewee

from sdk import Model
from sdk.connectors import Connector, ConnectorUnavailable, Simulator, connector

from .prescriptions import Prescription, RxLine

__all__ = ["ConnectorUnavailable", "DoctorSchedule", "DoctorScheduleSimulator", "NationalPrescriptionSimulator",
           "NationalPrescriptionSystem", "PharmacyInventory", "PharmacyInventorySimulator", "Product", "Slot",
           "inventory", "national_prescriptions", "schedule"]


# ---- national e-prescription system ---------------------------------------------------------


class SimDispensing(Model):
    """SIMULATOR state: one dispensed medicine of one report to the simulated national system."""

    code = peewee.CharField(max_length=16, index=True)
    drug_code = peewee.CharField(max_length=32)
    quantity = peewee.IntegerField()
    reference = peewee.CharField(max_length=64, index=True)

    class Meta:
        table_name = "healthcare_sim_dispensing"
        indexes = ((("reference", "drug_code"), True),)

class NationalPrescriptionSystem(Connector):
    """Interface of the national e-prescription system."""

    def lookup(self, code: str, today: int) -> Prescription | None:
        """The prescription with ``code`` (normalized), or None. ``today``: local day number."""
        raise NotImplementedError

    def record_dispensing(self, code: str, quantities: Mapping[str, int], reference: str) -> None:
        """Report quantities sold now (drug code → quantity) for ``code``; idempotent by ``reference``."""
        raise NotImplementedError

    def prescriptions_of(self, id_number: str, today: int) -> list[Prescription]:
        """The prescriptions issued to the person with this (verified) ID number, newest first —
        "my prescriptions", so nobody types a code. A system that cannot list them returns []."""
        return []


def _t(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


TABLET, CAPSULE, AMPOULE, PACKET = _t("viên", "tablets"), _t("viên nang", "capsules"), _t("ống", "ampoules"), \
    _t("thang", "packets")

#: (code, patient ID number, days since issue, days supply, chronic, prescriber, facility,
#:  [(drug code, name, unit, quantity, already dispensed, dosage)])
SEED_PRESCRIPTIONS: list[tuple[Any, ...]] = [
    ("01013AB12CD3-c", "001085999001", 1, 7, False, "BS. Trần Quốc Bảo", "Bệnh viện Đa khoa Mô phỏng Hà Nội",
     [("AMOX500", "Amoxicillin 500 mg", CAPSULE, 30, 0, _t("Uống 1 viên × 3 lần/ngày sau ăn", "1 capsule 3 times a day after meals")),
      ("OMEP20", "Omeprazol 20 mg", TABLET, 14, 0, _t("Uống 1 viên × 2 lần/ngày trước ăn", "1 tablet twice a day before meals"))]),
    ("01A13pk7Hm2Q-c", "001085999001", 0, 5, False, "BS. Trần Quốc Bảo", "Phòng khám Mô phỏng 01A13",
     [("OMEP20", "Omeprazol 20 mg", TABLET, 10, 0, _t("Uống 1 viên mỗi sáng trước ăn", "1 tablet every morning before meals"))]),
    ("01013NK45MX7-n", "001085999001", 0, 5, False, "BS. Trần Quốc Bảo", "Bệnh viện Đa khoa Mô phỏng Hà Nội",
     [("MORPH10", "Morphin 10 mg/ml", AMPOULE, 10, 0, _t("Theo chỉ định của bác sĩ", "As directed by the doctor"))]),
    ("79013HT90DAY-c", "079192999002", 2, 90, True, "BS. CKII Võ Thị Hạnh", "Bệnh viện Mô phỏng Quận 1",
     [("AMLO5", "Amlodipin 5 mg", TABLET, 90, 0, _t("Uống 1 viên mỗi sáng", "1 tablet every morning")),
      ("METF850", "Metformin 850 mg", TABLET, 180, 0, _t("Uống 1 viên × 2 lần/ngày sau ăn", "1 tablet twice a day after meals"))]),
    ("79013EXP8DZ1-c", "079192999002", 8, 30, False, "BS. CKII Võ Thị Hạnh", "Bệnh viện Mô phỏng Quận 1",
     [("LOSA50", "Losartan 50 mg", TABLET, 30, 0, _t("Uống 1 viên mỗi sáng", "1 tablet every morning"))]),
    ("48010MH3T7K2-c", "048203999003", 1, 30, False, "BS. Lê Văn Phúc", "Trung tâm Y tế Mô phỏng Đà Nẵng",
     [("ATOR20", "Atorvastatin 20 mg", TABLET, 30, 0, _t("Uống 1 viên buổi tối", "1 tablet in the evening"))]),
    ("31002PS5H8N4-h", "031304999004", 1, 10, False, "BS. Đinh Thị Thoa", "Bệnh viện Mô phỏng Hải Phòng",
     [("DIAZ5", "Diazepam 5 mg", TABLET, 10, 0, _t("Uống 1 viên trước khi ngủ", "1 tablet at bedtime"))]),
    ("31002YH6C2B9-y", "031304999004", 1, 10, False, "Lương y Phạm Văn Tâm", "Bệnh viện Y học cổ truyền Mô phỏng",
     [("BTIK", "Bổ trung ích khí (thuốc sắc)", PACKET, 10, 0, _t("Sắc uống 1 thang/ngày", "Decoct and drink 1 packet a day"))]),
    ("38005DV7K3L1-c", "038070999006", 0, 30, False, "BS. Hồ Minh Tuấn", "Bệnh viện Mô phỏng Thái Bình",
     [("LOSA50", "Losartan 50 mg", TABLET, 30, 0, _t("Uống 1 viên mỗi sáng", "1 tablet every morning")),
      ("ATOR20", "Atorvastatin 20 mg", TABLET, 30, 0, _t("Uống 1 viên buổi tối", "1 tablet in the evening"))]),
    ("38005FD2N8M6-c", "038070999006", 2, 7, False, "BS. Hồ Minh Tuấn", "Bệnh viện Mô phỏng Thái Bình",
     [("OMEP20", "Omeprazol 20 mg", TABLET, 14, 14, _t("Uống 1 viên × 2 lần/ngày trước ăn", "1 tablet twice a day before meals"))]),
    ("40001LA4B5C6-c", "040183999005", 1, 14, False, "BS. Nguyễn Hữu Nghĩa", "Bệnh viện Mô phỏng Nghệ An",
     [("OMEP20", "Omeprazol 20 mg", TABLET, 28, 0, _t("Uống 1 viên × 2 lần/ngày trước ăn", "1 tablet twice a day before meals"))]),
]


class NationalPrescriptionSimulator(NationalPrescriptionSystem, Simulator):
    """Seeded prescriptions for the test citizens; issue dates are relative to "today" so the
    demo never goes stale. Dispensing reports are kept in the station's simulator table
    ``healthcare_sim_dispensing`` (created only where this simulator runs), so, like the real
    system, it remembers what was dispensed across restarts."""

    label = {"vi": "Hệ thống đơn thuốc quốc gia mô phỏng — dữ liệu không có thật",
             "en": "Simulated national prescription system — not real data"}

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        self._lock = threading.Lock()
        self._table_ready = False
        self.reports: list[tuple[str, dict[str, int], str]] = []
        self.available = True

    def _table(self) -> type[SimDispensing]:
        if not self._table_ready:
            SimDispensing.create_table(safe=True)
            self._table_ready = True
        return SimDispensing

    def _dispensed(self, code: str) -> dict[str, int]:
        table = self._table()
        rows = (table.select(table.drug_code, peewee.fn.SUM(table.quantity))
                .where(table.code == code).group_by(table.drug_code).tuples())
        return {drug: int(total) for drug, total in rows}

    def lookup(self, code: str, today: int) -> Prescription | None:
        if not self.available:
            raise ConnectorUnavailable("The national prescription system did not answer.")
        for seed in SEED_PRESCRIPTIONS:
            if seed[0] == code:
                return self._build(seed, today)
        return None

    def prescriptions_of(self, id_number: str, today: int) -> list[Prescription]:
        if not self.available:
            raise ConnectorUnavailable("The national prescription system did not answer.")
        found = [self._build(seed, today) for seed in SEED_PRESCRIPTIONS if seed[1] == id_number]
        return sorted(found, key=lambda rx: (-rx.issued_on_day, rx.code))

    def _build(self, seed: tuple[Any, ...], today: int) -> Prescription:
        code, id_number, days_ago, days_supply, chronic, prescriber, facility, lines = seed
        dispensed = self._dispensed(code)
        rx_lines = tuple(RxLine(drug, name, unit, qty, done + dispensed.get(drug, 0), dosage)
                         for drug, name, unit, qty, done, dosage in lines)
        return Prescription(code, code[-1], id_number, today - days_ago, days_supply, chronic, prescriber, facility,
                            rx_lines)

    def record_dispensing(self, code: str, quantities: Mapping[str, int], reference: str) -> None:
        if not self.available:
            raise ConnectorUnavailable("The national prescription system did not answer.")
        table = self._table()
        with self._lock, table._meta.database.atomic():
            if table.select().where(table.reference == reference).exists():
                return  # the same report again (a retry): the real system is idempotent per reference
            table.insert_many([{"code": code, "drug_code": drug, "quantity": int(qty), "reference": reference}
                               for drug, qty in quantities.items()]).execute()
            self.reports.append((code, dict(quantities), reference))


# ---- pharmacy inventory --------------------------------------------------------------------

@dataclass(frozen=True)
class Product:
    """A medicine or health product the pharmacy sells at this station."""

    sku: str
    name: dict[str, str]
    unit: dict[str, str]
    price_vnd: int
    otc: bool                     # False: prescription-only, never sold through the shop
    stock: int
    note: dict[str, str] | None = None


class OutOfStock(Exception):
    """Not enough stock for one of the requested items (``sku`` says which)."""

    def __init__(self, sku: str) -> None:
        super().__init__(sku)
        self.sku = sku


class PharmacyInventory(Connector):
    """Interface of the pharmacy's catalogue and stock at this station."""

    def catalogue(self) -> list[Product]:
        """Every product with its current stock."""
        raise NotImplementedError

    def product(self, sku: str) -> Product | None:
        """One product, or None."""
        raise NotImplementedError

    def take(self, quantities: Mapping[str, int], reference: str) -> None:
        """Remove sold quantities from stock (all or nothing, idempotent by ``reference``)."""
        raise NotImplementedError


SEED_PRODUCTS = [
    Product("PARA500", _t("Paracetamol 500 mg (hộp 10 viên)", "Paracetamol 500 mg (box of 10)"), _t("hộp", "box"),
            15000, True, 40, _t("Giảm đau, hạ sốt", "Pain and fever relief")),
    Product("ORS245", _t("Oresol 245 (gói)", "Oral rehydration salts 245 (sachet)"), _t("gói", "sachet"), 3500, True, 100,
            _t("Bù nước khi tiêu chảy", "Rehydration for diarrhoea")),
    Product("VITC500", _t("Vitamin C 500 mg (lọ 30 viên)", "Vitamin C 500 mg (30 tablets)"), _t("lọ", "bottle"),
            45000, True, 25),
    Product("NACL09", _t("Nước muối sinh lý NaCl 0,9 % 500 ml", "Saline NaCl 0.9 % 500 ml"), _t("chai", "bottle"),
            8000, True, 60),
    Product("LORA10", _t("Loratadin 10 mg (hộp 10 viên)", "Loratadine 10 mg (box of 10)"), _t("hộp", "box"),
            25000, True, 15, _t("Chống dị ứng", "Allergy relief")),
    Product("MASK50", _t("Khẩu trang y tế (hộp 50 cái)", "Medical masks (box of 50)"), _t("hộp", "box"), 40000, True, 30),
    Product("BAND100", _t("Băng cá nhân (hộp 100 miếng)", "Adhesive bandages (box of 100)"), _t("hộp", "box"),
            30000, True, 0),
    Product("AMOX500", _t("Amoxicillin 500 mg", "Amoxicillin 500 mg"), CAPSULE, 1500, False, 20),
    Product("OMEP20", _t("Omeprazol 20 mg", "Omeprazole 20 mg"), TABLET, 1200, False, 100),
    Product("AMLO5", _t("Amlodipin 5 mg", "Amlodipine 5 mg"), TABLET, 800, False, 500),
    Product("METF850", _t("Metformin 850 mg", "Metformin 850 mg"), TABLET, 900, False, 500),
    Product("LOSA50", _t("Losartan 50 mg", "Losartan 50 mg"), TABLET, 1800, False, 200),
    Product("ATOR20", _t("Atorvastatin 20 mg", "Atorvastatin 20 mg"), TABLET, 2000, False, 200),
    Product("BTIK", _t("Bổ trung ích khí (thang)", "Bu zhong yi qi decoction (packet)"), PACKET, 35000, False, 30),
    Product("MORPH10", _t("Morphin 10 mg/ml", "Morphine 10 mg/ml"), AMPOULE, 25000, False, 0),
    Product("DIAZ5", _t("Diazepam 5 mg", "Diazepam 5 mg"), TABLET, 600, False, 0),
]


class PharmacyInventorySimulator(PharmacyInventory, Simulator):
    """The seeded catalogue with in-memory stock (resets when the station restarts)."""

    label = {"vi": "Kho nhà thuốc mô phỏng — giá và tồn kho không có thật",
             "en": "Simulated pharmacy stock — prices and stock are not real"}

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        self._lock = threading.Lock()
        self._products = {p.sku: p for p in SEED_PRODUCTS}
        self._references: set[str] = set()

    def catalogue(self) -> list[Product]:
        with self._lock:
            return list(self._products.values())

    def product(self, sku: str) -> Product | None:
        with self._lock:
            return self._products.get(sku)

    def set_stock(self, sku: str, stock: int) -> None:
        """Simulator control (tests, demos): set one product's stock."""
        with self._lock:
            self._products[sku] = replace(self._products[sku], stock=stock)

    def take(self, quantities: Mapping[str, int], reference: str) -> None:
        with self._lock:
            if reference in self._references:
                return
            for sku, qty in quantities.items():
                if sku not in self._products or self._products[sku].stock < qty:
                    raise OutOfStock(sku)
            for sku, qty in quantities.items():
                self._products[sku] = replace(self._products[sku], stock=self._products[sku].stock - qty)
            self._references.add(reference)


# ---- teleconsultation schedule -------------------------------------------------------------

@dataclass(frozen=True)
class Doctor:
    id: str
    name: str
    specialty: dict[str, str]


@dataclass(frozen=True)
class Slot:
    """A consultation slot (epoch seconds) with one doctor."""

    id: str
    doctor: Doctor
    start: float
    minutes: int


class DoctorSchedule(Connector):
    """Interface of the operator's teleconsultation schedule."""

    def free_slots(self, now: float, days: int = 3) -> list[Slot]:
        """Free slots starting after ``now`` within ``days`` days."""
        raise NotImplementedError

    def slot(self, slot_id: str) -> Slot | None:
        """A slot by id (booked or not), or None."""
        raise NotImplementedError

    def book(self, slot_id: str, reference: str) -> dict[str, str]:
        """Hold the slot; returns the join information (room, url, pin). ``ValueError`` if taken."""
        raise NotImplementedError

    def cancel(self, slot_id: str, reference: str) -> None:
        """Free a slot booked with ``reference``."""
        raise NotImplementedError


DOCTORS = (Doctor("d1", "BS. CKI Nguyễn Thị Mai", _t("Nội tổng quát", "General internal medicine")),
           Doctor("d2", "BS. Phạm Văn Long", _t("Tim mạch", "Cardiology")),
           Doctor("d3", "ThS. BS. Lê Thu Trang", _t("Nhi khoa", "Paediatrics")))
SLOT_MINUTES = 30
_LOCAL_OFFSET = 7 * 3600
_CLINIC_TIMES = [(h, m) for h in (8, 9, 10, 11, 14, 15, 16) for m in (0, 30)]


class DoctorScheduleSimulator(DoctorSchedule, Simulator):
    """Three doctors, 30-minute slots 08:00–12:00 and 14:00–17:00 (Vietnam time); about one slot
    in four is already taken by other patients (deterministic)."""

    label = {"vi": "Lịch khám từ xa mô phỏng — bác sĩ không có thật",
             "en": "Simulated teleconsultation schedule — not real doctors"}

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        self._lock = threading.Lock()
        self._booked: dict[str, str] = {}

    @staticmethod
    def _taken_by_others(slot_id: str) -> bool:
        return hashlib.sha256(slot_id.encode()).digest()[0] < 64

    def _slots_of_day(self, day: int) -> list[Slot]:
        slots = []
        for doctor in DOCTORS:
            for hour, minute in _CLINIC_TIMES:
                start = day * 86400 - _LOCAL_OFFSET + hour * 3600 + minute * 60
                slots.append(Slot(f"{doctor.id}-{int(start)}", doctor, float(start), SLOT_MINUTES))
        return slots

    def free_slots(self, now: float, days: int = 3) -> list[Slot]:
        today = int((now + _LOCAL_OFFSET) // 86400)
        with self._lock:
            out = [s for d in range(today, today + days) for s in self._slots_of_day(d)
                   if s.start > now and s.id not in self._booked and not self._taken_by_others(s.id)]
        return sorted(out, key=lambda s: (s.start, s.doctor.id))

    def slot(self, slot_id: str) -> Slot | None:
        doctor_id, _, start = slot_id.partition("-")
        doctor = next((d for d in DOCTORS if d.id == doctor_id), None)
        if doctor is None or not start.isdigit():
            return None
        start_s = int(start)
        day = (start_s + _LOCAL_OFFSET) // 86400
        for candidate in self._slots_of_day(day):
            if candidate.id == slot_id:
                return candidate
        return None

    def book(self, slot_id: str, reference: str) -> dict[str, str]:
        with self._lock:
            if self.slot(slot_id) is None or self._taken_by_others(slot_id) or \
                    self._booked.get(slot_id, reference) != reference:
                raise ValueError("slot not available")
            self._booked[slot_id] = reference
        digest = hashlib.sha256(f"{slot_id}:{reference}".encode()).hexdigest()
        room = f"CS-{digest[:4].upper()}-{digest[4:8].upper()}"
        return {"room": room, "url": f"https://telehealth.invalid/join/{room}", "pin": str(int(digest[8:14], 16) % 1000000).zfill(6)}

    def cancel(self, slot_id: str, reference: str) -> None:
        with self._lock:
            if self._booked.get(slot_id) == reference:
                del self._booked[slot_id]


# ---- the site's instances ------------------------------------------------------------------

def national_prescriptions() -> NationalPrescriptionSystem:
    """The site's national prescription connector."""
    return connector("prescriptions", {"simulator": NationalPrescriptionSimulator})


def inventory() -> PharmacyInventory:
    """The site's pharmacy inventory connector."""
    return connector("pharmacy_inventory", {"simulator": PharmacyInventorySimulator})


def schedule() -> DoctorSchedule:
    """The site's teleconsultation schedule connector."""
    return connector("teleconsult", {"simulator": DoctorScheduleSimulator})
