"""`station payments reconcile` and the background reconciler settle UNKNOWN payments by asking."""

from __future__ import annotations

import json
import secrets

import pytest
from payment_helpers import payment_request

from core.app import create_app
from core.cli import main
from core.config import load_config
from core.payments.models import PaymentRecord, ReceiptRecord
from core.payments.reconcile import start_reconciler
from hal.sim import control
from sdk.testing import wait_until


@pytest.fixture
def home(tmp_path):
    url = f"sim://payment_terminal?profile=silent_after_auth&instance=recon-{secrets.token_hex(4)}"
    (tmp_path / "station.toml").write_text(f"""[site]
id = "reconcile-test"
name_vi = "Trạm thử"
name_en = "Test station"
address = "Test"

[[devices]]
id = "terminal-1"
kind = "payment_terminal"
url = "{url}"
options = {{ ack_timeout = 0.5, result_timeout = 0.3 }}
""", encoding="utf-8")
    return tmp_path, url


def unknown_payment(app) -> int:
    with app.app_context():
        service = app.extensions["payments"]
        record = service.start(payment_request(plugin="traffic"), "citizen:1")
        assert service.pay_by_card(record.id, "citizen:1").state == "UNKNOWN"
        return record.id


def test_cli_reconcile_asks_the_terminal_and_settles_without_charging_again(home, capsys):
    folder, url = home
    payment_id = unknown_payment(create_app(load_config(folder)))
    assert main(["--home", str(folder), "payments", "reconcile", "--older-than", "0", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["succeeded"] == [payment_id] and report["still_unknown"] == []
    assert PaymentRecord.get_by_id(payment_id).state == "SUCCEEDED"
    assert ReceiptRecord.get(ReceiptRecord.payment == payment_id).audit_index is not None
    assert len(control.simulator(url).approved_charges()) == 1
    assert main(["--home", str(folder), "payments", "reconcile", "--older-than", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["succeeded"] == []
    assert len(control.simulator(url).approved_charges()) == 1


def test_cli_reconcile_exits_1_while_the_terminal_cannot_answer(home, capsys):
    folder, url = home
    payment_id = unknown_payment(create_app(load_config(folder)))
    control.unplug(url)
    try:
        assert main(["--home", str(folder), "payments", "reconcile", "--older-than", "0"]) == 1
        out = capsys.readouterr().out
        assert "still unknown: 1" in out and f"payment {payment_id}" in out
        assert PaymentRecord.get_by_id(payment_id).state == "UNKNOWN"
    finally:
        control.replug(url)
    assert main(["--home", str(folder), "payments", "reconcile", "--older-than", "0"]) == 0
    assert PaymentRecord.get_by_id(payment_id).state == "SUCCEEDED"


def test_background_reconciler_settles_unknown_payments_while_the_station_runs(home):
    folder, _ = home
    app = create_app(load_config(folder))
    payment_id = unknown_payment(app)
    reconciler = start_reconciler(app, interval=0.05, older_than=0)
    try:
        def settled() -> bool:
            with app.app_context():
                return PaymentRecord.get_by_id(payment_id).state == "SUCCEEDED"

        assert wait_until(settled, timeout=10)
    finally:
        reconciler.stop()


def test_cli_lists_payments_and_alerts(home, capsys):
    folder, _ = home
    payment_id = unknown_payment(create_app(load_config(folder)))
    assert main(["--home", str(folder), "payments", "list", "--state", "UNKNOWN"]) == 0
    assert f"{payment_id:>8} UNKNOWN" in capsys.readouterr().out
    assert main(["--home", str(folder), "payments", "alerts"]) == 0


def test_cli_reconcile_refuses_to_decide_against_an_in_process_simulator_it_cannot_reach(home, capsys):
    """Failure 10 of the fault campaign: on the demo, reconcile asked a fresh in-process simulator
    and marked a charged payment FAILED "not charged"."""
    folder, url = home
    payment_id = unknown_payment(create_app(load_config(folder)))
    charged = control.simulator(url)
    control.forget(url)  # as seen from another process: the running station's simulator is not here
    try:
        assert main(["--home", str(folder), "payments", "reconcile", "--older-than", "0"]) == 1
        err = capsys.readouterr().err
        assert "in-process simulator" in err and str(payment_id) in err and "Nothing was decided" in err
        assert PaymentRecord.get_by_id(payment_id).state == "UNKNOWN"
    finally:
        del charged
