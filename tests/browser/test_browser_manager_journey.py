"""The station manager's journey on a fresh, NON-demo site (issue 23), in Chromium at a staff
PC's desktop size (1366×900 — the console is used on a staff PC, not on the kiosk screen):

TOTP login → a printer alert seen and resolved by reprinting → a staff account added (TOTP QR),
disabled through its confirmation page → the audit log exported for an inspector (printable
page and CSV). Screenshots go to tests/browser/artifacts/console/; the ones in
docs/screenshots/console/ are copies a person looked at (copy them again when this changes).

The site is made with ``station init`` (no ``--demo``), then given a simulated receipt
printer out of paper and a simulated card terminal in station.toml, as a manager would.
"""

from __future__ import annotations

import re
import secrets
import threading
from pathlib import Path

import pyotp
import pytest
from browser_kit import ARTIFACTS, run_axe

SHOTS = ARTIFACTS / "console"
DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "manager password 2026"


@pytest.fixture(scope="module")
def fresh_site(tmp_path_factory):
    """``station init`` (not demo) + devices in station.toml, served by waitress on 127.0.0.1."""
    import waitress

    from core.app import create_app
    from core.cli import main
    from core.config import load_config

    home = tmp_path_factory.mktemp("manager-journey") / "site"
    assert main(["--home", str(home), "init", "--site-id", "hn-hoankiem-02", "--name", "Trạm phường Hoàn Kiếm",
                 "--address", "1 Đinh Tiên Hoàng, Hà Nội", "--timezone", "Asia/Ho_Chi_Minh"]) == 0
    instance = secrets.token_hex(4)
    printer = f"sim://receipt_printer?profile=paper_out&instance=journey-{instance}"
    terminal = f"sim://payment_terminal?profile=ok&instance=journey-{instance}"
    with open(home / "station.toml", "a", encoding="utf-8") as toml:
        toml.write(f'\n[[devices]]\nid = "printer-1"\nkind = "receipt_printer"\nurl = "{printer}"\n'
                   f'options = {{ print_timeout = 1.0, answer_timeout = 0.3 }}\n'
                   f'\n[[devices]]\nid = "terminal-1"\nkind = "payment_terminal"\nurl = "{terminal}"\n')
    app = create_app(load_config(home))
    station = app.extensions["station"]
    with app.app_context():
        _, uri = station.staff.add("lan", PASSWORD, ["manager"], "Nguyễn Thị Lan", with_totp=True)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, ident="citizen-station-test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield {"app": app, "url": f"http://127.0.0.1:{server.effective_port}", "secret": uri.split("secret=")[1]
           .split("&")[0], "printer": printer}
    server.close()
    thread.join(timeout=5)
    station.devices.stop()


def _receipt_that_did_not_print(app) -> str:
    """A citizen paid by card; the printer is out of paper, so the manager gets an alert."""
    from core.payments.service import PaymentRequest

    service = app.extensions["payments"]
    with app.app_context():
        citizen = app.extensions["station"].citizens.find_or_create("001099012345")
        payment = service.start(PaymentRequest(
            payer_citizen_id=citizen.id, plugin="core", purpose="ward.fee", reference="fee:2026-1",
            amount_vnd=30_000, idempotency_key=secrets.token_urlsafe(12),
            description={"vi": "Phí chứng thực", "en": "Certification fee"}, return_url="/"), "citizen:1")
        paid = service.pay_by_card(payment.id, "citizen:1")
        assert paid.state == "SUCCEEDED"
        receipt = service.print_receipt(paid.id, "citizen:1")
        assert receipt.print_state == "failed"
        return receipt.number


@pytest.mark.parametrize("context", [DESKTOP], indirect=True)
def test_manager_journey_on_a_fresh_site(context, page, fresh_site):
    from hal.sim import control

    SHOTS.mkdir(parents=True, exist_ok=True)
    base, app = fresh_site["url"], fresh_site["app"]
    number = _receipt_that_did_not_print(app)

    # 1. TOTP login
    page.goto(base + "/staff/login")
    page.fill("#staff-username", "lan")
    page.fill("#staff-password", PASSWORD)
    page.fill("#staff-code", pyotp.TOTP(fresh_site["secret"]).now())
    page.screenshot(path=str(SHOTS / "01-staff-login-totp.png"))
    page.click("#staff-submit")
    page.wait_for_url(re.compile(r".*/console/$"))
    assert page.locator("#banner-card-login-off").count() == 1  # a fresh site has no CSCA certificate yet
    assert page.inner_text("#alert-badge") == "1"
    page.screenshot(path=str(SHOTS / "02-overview-fresh-site.png"), full_page=True)

    # 2. the printer alert, resolved by reprinting once paper is loaded
    page.click("#nav-alerts")
    row = page.locator("#console-alerts tr[data-kind=paper_out]")
    assert number in row.inner_text() and "Máy in biên lai" in row.inner_text()
    page.screenshot(path=str(SHOTS / "03-alert-printer-out-of-paper.png"))
    assert run_axe(page) == []
    control.simulator(fresh_site["printer"]).load_paper()
    row.locator("button[id^=reprint-]").click()
    page.wait_for_selector("#no-alerts")
    assert page.inner_text("#alert-badge") == "0"
    page.screenshot(path=str(SHOTS / "04-alert-resolved-by-reprint.png"))

    # 3. a staff account: added with TOTP (QR shown once), then disabled after confirming
    page.click("#nav-staff")
    page.fill("#staff-add input[name=username]", "minh")
    page.fill("#staff-add input[name=display_name]", "Trần Văn Minh")
    page.fill("#staff-add input[name=password]", "first password minh 1")
    page.check("#staff-add input[name=roles][value=operator]")
    page.click("#staff-add-button")
    page.wait_for_selector("#totp-qr")
    assert page.get_attribute("#totp-qr", "src").startswith("data:image/svg+xml")
    page.screenshot(path=str(SHOTS / "05-staff-added-totp-qr.png"))
    page.click("#totp-done")
    page.click("#disable-minh")
    assert "minh" in page.inner_text("#confirm-effect")
    page.screenshot(path=str(SHOTS / "06-confirm-disable-account.png"))
    page.click("#confirm-button")
    page.wait_for_selector("#staff-minh[data-active=false]")
    page.screenshot(path=str(SHOTS / "07-staff-accounts.png"), full_page=True)
    assert run_axe(page) == []

    # 4. the audit log for an inspector: printable page and CSV
    page.click("#nav-operations")
    page.screenshot(path=str(SHOTS / "08-operations.png"), full_page=True)
    assert run_axe(page) == []
    page.click("#export-print")
    page.wait_for_selector("#export-checkpoint")
    text = page.inner_text("#export-entries")
    assert "users.disable" in text and "staff:lan" in text and "payments.alert.resolve" in text
    assert "citizen-station/hn-hoankiem-02" in page.inner_text("#export-pubkey")
    page.screenshot(path=str(SHOTS / "09-audit-export-printable.png"), full_page=True)
    page.go_back()
    with page.expect_download() as download:
        page.click("#export-csv")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("index,time_local,time_utc,actor,action") and "users.add" in csv_text
    assert not page.problems
