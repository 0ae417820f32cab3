"""Health and financial rows are encrypted at rest (issue 16 item 3).

Real actions through the app (a bill paid at the kiosk), and rows written by the plugins'
own models (a transfer, a prescription order, a booking), then the raw database: the clear
values (customer code, description text, receipt lines, account numbers, amounts,
prescription and drug codes, the doctor) are nowhere in the station's rows; the citizen
still sees them; erasure makes them unreadable for good. The database files are 0600.
"""

from __future__ import annotations

import re
import secrets
import stat
from pathlib import Path

import pytest

from core import db
from core.privacy.subject_rights import erase_citizen

CODE = "PD01000123456"
ACCOUNT = "0071000765432"
RX_CODE = "79013K7Q2M9X-c"
DRUG = "VN-12345-67"
AMOUNT = 1_234_567


@pytest.fixture
def station(make_station):
    terminal = f"sim://payment_terminal?profile=ok&instance=rest-{secrets.token_hex(4)}"
    return make_station(plugins=["utilities", "banking", "healthcare"], devices=[
        {"id": "terminal-1", "kind": "payment_terminal", "url": terminal,
         "options": {"ack_timeout": 0.5, "result_timeout": 1.0}}])


def station_rows() -> str:
    """Every row of the station's own tables as text (the simulators' books and the
    append-only audit log are not the station's personal rows)."""
    database = db.database.obj
    dumped = []
    for table in database.get_tables():
        if "sim" in table or table.startswith("audit"):
            continue
        for row in database.execute_sql(f'SELECT * FROM "{table}"').fetchall():  # nosec B608  # table names
            dumped.append(repr(row))
            dumped += [bytes(v).decode("latin-1") for v in row if isinstance(v, bytes | memoryview)]
    return "\n".join(dumped)


def pay_a_bill(client, csrf_token) -> int:
    page = client.post("/s/utilities/lookup", data={"kind": "electricity", "code": CODE,
                                                    "csrf_token": csrf_token(client)}).get_data(as_text=True)
    attempt = re.search(r'name="attempt" value="([^"]+)"', page).group(1)
    started = client.post("/s/utilities/pay", data={"attempt": attempt, "kind": "electricity", "code": CODE,
                                                    "all": "1", "csrf_token": csrf_token(client)})
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    payment_id = int(started.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    return payment_id


def test_a_paid_bill_keeps_no_customer_code_or_description_in_clear(station, login_citizen, csrf_token):
    client = station.test_client()
    citizen_id = login_citizen(client, assurance="basic")
    payment_id = pay_a_bill(client, csrf_token)
    receipt = client.get(f"/pay/{payment_id}/receipt").get_data(as_text=True)
    assert CODE in receipt and "HDD202504-123456" in receipt  # the citizen still sees it
    with station.app_context():
        rows = station_rows()
        assert CODE not in rows
        assert "Tiền điện" not in rows and "Mã khách hàng" not in rows  # description, receipt lines
        claims = db.database.obj.execute_sql("SELECT object FROM payment_claims").fetchall()
        assert claims and all(re.fullmatch(r"[0-9a-f]{64}", obj) for (obj,) in claims)  # blind indexes
        bills = repr(db.database.obj.execute_sql("SELECT * FROM utilities_bill_payment").fetchall())
        assert "HDD202504-123456" not in bills and "444031" not in bills  # bill id (end of the code), amount
        raw = db.database.obj.execute_sql("SELECT description, receipt_lines FROM payments").fetchall()
        assert raw and all(v.startswith("enc:v1:") for row in raw for v in row)
        erase_citizen(citizen_id)
        from core.payments.models import PaymentRecord

        record = PaymentRecord.get_by_id(payment_id)
        assert CODE not in record.description and record.receipt_rows == []  # crypto-shredded
        assert CODE not in station_rows()


def test_transfers_orders_and_bookings_are_ciphertext_until_the_citizen_reads_them(station, login_citizen):
    client = station.test_client()
    citizen_id = login_citizen(client, assurance="basic")
    registry = station.extensions["station"].plugins.records
    banking = registry["banking"].module
    healthcare = registry["healthcare"].module
    with station.test_request_context("/"):
        transfer = banking.models.Transfer.create(
            idempotency_key="k" * 32, request_hash="h" * 64, citizen_id=citizen_id, from_account=ACCOUNT,
            to_bin="970436", to_kind="account", to_number_last4="9876", amount_vnd=AMOUNT, state="SUCCEEDED",
            created_at=1.0)
        order = healthcare.models.RxOrder.create(
            citizen_id=citizen_id, code=RX_CODE, state="paid", total_vnd=50_000, pickup_code="AB12", created_at=1.0,
            lines=[{"sku": DRUG, "qty": 2, "unit_price": 25_000, "total": 50_000}])
        booking = healthcare.models.Booking.create(
            citizen_id=citizen_id, slot_id="slot-1", doctor_name="BS. Trần Thị Lan", start=1.0, minutes=15,
            specialty={"vi": "Tim mạch", "en": "Cardiology"}, created_at=1.0)
        rows = station_rows()
        for clear in (ACCOUNT, str(AMOUNT), "9876", RX_CODE, DRUG, "Trần Thị Lan", "Tim mạch"):
            assert clear not in rows, clear
        # the app reads them back, and still finds the order by its code (blind index)
        RxOrder = healthcare.models.RxOrder
        assert banking.models.Transfer.get_by_id(transfer.id).amount_vnd == AMOUNT
        found = RxOrder.get(RxOrder.lookup("code", RX_CODE))
        assert (found.id, found.code, found.lines[0]["sku"]) == (order.id, RX_CODE, DRUG)
        assert healthcare.dispensed.sold_here(RX_CODE) == {DRUG: 2}
        assert healthcare.models.Booking.get_by_id(booking.id).doctor_name == "BS. Trần Thị Lan"
    with station.app_context():
        erase_citizen(citizen_id)
        rows = station_rows()
        for clear in (ACCOUNT, RX_CODE, DRUG):
            assert clear not in rows


def test_database_file_wal_and_shm_are_owner_only(tmp_path):
    file = tmp_path / "station.db"
    database = db.open_database(f"sqlite:///{file}")
    try:
        database.execute_sql("CREATE TABLE t (x TEXT)")
        database.execute_sql("INSERT INTO t VALUES ('x')")
        paths = [file, Path(f"{file}-wal"), Path(f"{file}-shm")]
        assert all(p.exists() for p in paths)
        for path in paths:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        database.close()


# ---- existing sites: the migrations seal the rows written in clear -----------------------


def _older_schema(config, versions: dict[str, int]) -> None:
    """The database as the previous release left it: migrations below ``versions`` only."""
    import plugins.banking
    import plugins.healthcare
    import plugins.utilities

    folders = {name: Path(module.__file__).parent / "migrations" for name, module in
               (("banking", plugins.banking), ("healthcare", plugins.healthcare), ("utilities", plugins.utilities))}
    db.bind_database(db.open_database(config.database_url, config.home))
    steps = [m for m in db.core_migrations() if m.version < versions["core"]]
    for plugin, folder in folders.items():
        steps += [m for m in db.load_migrations(plugin, folder) if m.version < versions[plugin]]
    db.migrate(steps)


def _insert(table: str, **values) -> None:
    database = db.database.obj
    columns = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join([database.param] * len(values))
    database.execute_sql(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',  # nosec B608  # test tables
                         tuple(values.values()))


def _clear_rows_of_the_previous_release(erased: int) -> None:
    import json

    from core.privacy.keys import CitizenKey

    for citizen in (1, erased):
        _insert("citizen", id=citizen, id_hash=f"old-{citizen}", created_at=1.0)
    CitizenKey.insert(citizen_id=erased, key_version=1, created_at=1.0, destroyed_at=2.0).execute()
    for citizen in (1, erased):
        _insert("payments", idempotency_key=f"key-{citizen}", request_hash="h", payer_citizen_id=citizen,
                plugin="utilities", purpose="utilities.bills", reference=f"bills:electricity:HDD202504-{citizen}",
                amount_vnd=AMOUNT, description=json.dumps({"vi": f"Tiền điện {CODE}", "en": f"Electricity {CODE}"}),
                return_url="/s/utilities/paid", receipt_lines=json.dumps([["Mã khách hàng", CODE]]),
                state="SUCCEEDED", created_at=1.0, updated_at=1.0, notified=False,
                objects=json.dumps([f"bill:electricity:HDD202504-{citizen}"]))
        _insert("payment_claims", plugin="utilities", object=f"bill:electricity:HDD202504-{citizen}",
                payment_id=citizen, claimed_at=1.0)
        _insert("healthcare_rx_order", citizen_id=citizen, code=RX_CODE, state="paid", total_vnd=50_000,
                lines=json.dumps([{"sku": DRUG, "qty": 2, "unit_price": 25_000, "total": 50_000}]),
                pickup_code="AB12", created_at=1.0, posted=False)
        _insert("healthcare_booking", citizen_id=citizen, slot_id="slot-1", doctor_name="BS. Trần Thị Lan",
                specialty=json.dumps({"vi": "Tim mạch", "en": "Cardiology"}), start=1.0, minutes=15,
                state="booked", created_at=1.0)
        _insert("utilities_bill_payment", bill_id=f"HDD202504-{CODE[-6:]}", kind="electricity", payment_id=citizen,
                citizen_id=citizen, amount_vnd=AMOUNT, paid_at=1.0)
        _insert("banking_transfer", idempotency_key=f"t-{citizen}", request_hash="h", citizen_id=citizen,
                from_account=ACCOUNT, to_bin="970436", to_kind="account", to_number_last4="9876",
                amount_vnd=AMOUNT, state="SUCCEEDED", biometric=False, created_at=1.0)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_upgrading_seals_every_clear_row_and_keeps_it_readable(tmp_path, station_clock, backend):
    from core.app import create_app
    from core.config import config_from_dict
    from core.payments.models import PaymentRecord
    from core.secrets import ensure_secrets
    from sdk.testing import TemporaryPostgresDatabase, require_postgres

    temp = TemporaryPostgresDatabase(require_postgres()) if backend == "postgres" else None
    raw = {"site": {"id": "upgrade", "name_vi": "Trạm", "name_en": "Station", "address": "-"},
           "database": {"url": temp.url if temp else "sqlite:///station.db"}}
    config = config_from_dict(raw, tmp_path, str(tmp_path / "station.toml"))
    config = config.with_overrides(enabled_plugins=("utilities", "banking", "healthcare"), allow_unsigned=True)
    ensure_secrets(config.secrets_dir)
    try:
        _older_schema(config, {"core": 12, "banking": 3, "healthcare": 3, "utilities": 2})
        _clear_rows_of_the_previous_release(erased=2)
        app = create_app(config, clock=station_clock)
        with app.test_request_context("/"):
            rows = station_rows()
            for clear in (CODE, ACCOUNT, RX_CODE, DRUG, "Trần Thị Lan", "Tim mạch"):
                assert clear not in rows, clear
            bills = repr(db.database.obj.execute_sql("SELECT * FROM utilities_bill_payment").fetchall())
            assert CODE[-6:] not in bills and str(AMOUNT) not in bills
            transfers = repr(db.database.obj.execute_sql("SELECT * FROM banking_transfer").fetchall())
            assert str(AMOUNT) not in transfers and "9876" not in transfers  # a payment's amount stays (reconciling)
            claims = db.database.obj.execute_sql("SELECT object FROM payment_claims").fetchall()
            assert len(claims) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", obj) for (obj,) in claims)
            registry = app.extensions["station"].plugins.records
            models = {p: registry[p].module.models for p in ("banking", "healthcare")}
            assert CODE in PaymentRecord.get_by_id(1).description and PaymentRecord.get_by_id(1).receipt_rows
            assert CODE not in PaymentRecord.get_by_id(2).description  # erased before: nothing kept
            service = app.extensions["payments"]
            assert service.payment_for("utilities", "bill:electricity:HDD202504-1").id == 1  # exactly-once
            RxOrder = models["healthcare"].RxOrder
            assert [o.citizen_id for o in RxOrder.select().where(RxOrder.lookup("code", RX_CODE))] == [1, 2]
            assert RxOrder.get(RxOrder.citizen_id == 1).lines[0]["sku"] == DRUG
            assert RxOrder.get(RxOrder.citizen_id == 2).code is None
            assert models["banking"].Transfer.get(models["banking"].Transfer.citizen_id == 1).amount_vnd == AMOUNT
            assert models["healthcare"].Booking.get_by_id(1).specialty["en"] == "Cardiology"
            BillPayment = registry["utilities"].module.models.BillPayment
            assert BillPayment.get(BillPayment.lookup("bill_id", f"HDD202504-{CODE[-6:]}")).amount_vnd == AMOUNT
        station = app.extensions["station"]
        station.plugins.shutdown(station.info_for)
    finally:
        db.database.close()
        if temp is not None:
            temp.drop()
