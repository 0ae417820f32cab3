"""Receive by VietQR, statements (screen, print, QR), account opening with eKYC, data rights."""

from __future__ import annotations

import html
import re

import pytest
from bank_helpers import AN, AN_MAIN, SIM_BIN, balances, grant

from core.payments.vietqr import decode_vietqr
from hal.sim import control
from sdk.testing import audit_entries, device_profile, printed_receipts


@pytest.fixture
def an(app, bank_login):
    client = app.test_client()
    bank_login(client, AN)
    return client


# -- receive ------------------------------------------------------------------------------------


def test_receive_shows_the_citizens_own_vietqr_for_an_amount_and_purpose(an):
    page = an.get("/s/banking/receive", query_string={"account": AN_MAIN, "amount": "250.000",
                                                      "purpose": "Tiền nhà tháng 12"}).get_data(as_text=True)
    payload = html.unescape(re.search(r'data-payload="([^"]+)"', page).group(1))
    qr = decode_vietqr(payload)
    assert (qr.bin, qr.account, qr.amount, qr.purpose) == (SIM_BIN, AN_MAIN, 250_000, "Tien nha thang 12")
    assert qr.dynamic and "<svg" in page


def test_receive_without_amount_is_a_static_code(an):
    page = an.get("/s/banking/receive", query_string={"account": AN_MAIN}).get_data(as_text=True)
    qr = decode_vietqr(html.unescape(re.search(r'data-payload="([^"]+)"', page).group(1)))
    assert qr.amount is None and not qr.dynamic


def test_receive_into_an_account_of_someone_else_is_refused(an):
    assert an.get("/s/banking/receive", query_string={"account": "1010000006"}).status_code == 404


# -- statements ---------------------------------------------------------------------------------


def statement_page(client, **query):
    params = {"show": "1", "account": AN_MAIN, "start": "2026-10-01", "end": "2026-11-30", **query}
    return client.get("/s/banking/statement", query_string=params)


def test_statement_on_screen_adds_up(app, an):
    page = statement_page(an).get_data(as_text=True)
    opening = int(re.search(r'data-opening="(-?\d+)"', page).group(1))
    closing = int(re.search(r'data-closing="(-?\d+)"', page).group(1))
    assert closing == balances(app)[AN_MAIN] == 85_500_000
    assert opening == closing - (15_000_000 - 1_250_000 - 350_000 - 2_000_000 - 480_000 + 500_000 - 95_000)


def test_statement_for_a_period_before_any_booking_is_empty(an):
    page = statement_page(an, start="2026-01-01", end="2026-01-31").get_data(as_text=True)
    assert re.search(r'data-opening="(-?\d+)"', page).group(1) == re.search(r'data-closing="(-?\d+)"', page).group(1)


@pytest.mark.parametrize("query", [{"start": "2026-11-30", "end": "2026-11-01"},
                                   {"start": "2020-01-01", "end": "2026-11-30"}, {"start": "yesterday"}])
def test_statement_with_a_bad_period_is_refused(an, query):
    assert statement_page(an, **query).status_code == 400


def test_statement_can_be_taken_away_as_a_qr_code(an):
    page = statement_page(an, qr="1").get_data(as_text=True)
    assert 'data-qr="statement"' in page and "<svg" in page


def test_statement_qr_text_keeps_the_newest_bookings_when_too_long():
    from plugins.banking.connector import Booking, Statement
    from plugins.banking.service import VIETNAM
    from plugins.banking.statement import QR_TEXT_LIMIT, statement_qr_text

    def local(epoch):
        from datetime import UTC, datetime

        return datetime.fromtimestamp(epoch, UTC).astimezone(VIETNAM)

    bookings = [Booking(1_790_000_000 + i * 60, -1000, 0, f"Giao dịch số {i}", "") for i in range(200)]
    text = statement_qr_text(Statement("1010000001", 1_789_000_000, 1_800_000_000, 0, -200_000, bookings), local)
    assert len(text) <= QR_TEXT_LIMIT and "OLDER OMITTED" in text
    assert text.rstrip().endswith("Giao dich so 199")


def test_statement_is_printed_on_the_receipt_printer(app, an, csrf_token, devices):
    response = an.post("/s/banking/statement/print", data={"csrf_token": csrf_token(an), "account": AN_MAIN,
                                                           "start": "2026-10-01", "end": "2026-11-30"})
    assert response.status_code == 200 and 'data-printed="1"' in response.get_data(as_text=True)
    [receipt] = printed_receipts(app)
    text = receipt.text
    assert "SAO KÊ TÀI KHOẢN" in text and "****0001" in text and "85.500.000" in text


def test_printer_out_of_paper_is_a_clear_message_and_nothing_is_claimed_printed(app, an, csrf_token, devices):
    device_profile(app, "receipt_printer", "paper_out")  # the roll is empty
    response = an.post("/s/banking/statement/print", data={"csrf_token": csrf_token(an), "account": AN_MAIN,
                                                           "start": "2026-10-01", "end": "2026-11-30"})
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-printed="1"' not in text
    assert "hết giấy" in text and printed_receipts(app) == []
    assert audit_entries(app)[-1]["outcome"] == "failed"


# -- account opening with eKYC ------------------------------------------------------------------


def test_account_opening_with_card_face_and_consent(app, bank_login, csrf_token, devices):
    client = app.test_client()
    bank_login(client, AN, consents=())
    assert "agree_biometric" in client.get("/s/banking/open").get_data(as_text=True)
    form = {"csrf_token": csrf_token(client), "agree_terms": "yes", "agree_personal": "yes",
            "agree_financial": "yes", "agree_biometric": "yes"}
    assert client.post("/s/banking/open/consent", data=form).status_code == 303
    response = client.post("/s/banking/open/verify", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303, response.get_data(as_text=True)[-800:]
    assert control.simulator(devices.face).references  # the card's portrait was matched
    page = client.post("/s/banking/open/confirm", data={"csrf_token": csrf_token(client)}).get_data(as_text=True)
    number = re.search(r"(20200000\d\d)", page).group(1)
    assert balances(app)[number] == 0
    assert f'data-account="{number}"' in client.get("/s/banking/").get_data(as_text=True)
    actions = [(e["action"], e["outcome"]) for e in audit_entries(app)]
    for expected in [("consent.grant", "ok"), ("banking.terms.accept", "ok"), ("banking.ekyc", "ok"),
                     ("banking.account.open", "ok")]:
        assert expected in actions
    # the eKYC pass is used once
    assert client.post("/s/banking/open/confirm", data={"csrf_token": csrf_token(client)}).status_code == 303


def test_account_opening_without_every_consent_is_refused_and_audited(app, bank_login, csrf_token):
    client = app.test_client()
    bank_login(client, AN, consents=())
    form = {"csrf_token": csrf_token(client), "agree_terms": "yes", "agree_personal": "yes", "agree_financial": "yes"}
    refused = client.post("/s/banking/open/consent", data=form)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)   # not a dead end: the same form, ticks kept, reason by the boxes
    assert 'action="/s/banking/open/consent"' in page and 'id="open-consents-error"' in page
    assert 'name="agree_terms" value="yes" checked' in page and 'name="agree_biometric" value="yes">' in page
    assert "Về trang chủ" not in page.split('id="open-consents"')[1].split("</form>")[0]
    assert audit_entries(app)[-1]["details"] == {"reason": "consent_missing"}
    assert client.post("/s/banking/open/verify", data={"csrf_token": csrf_token(client)}).status_code == 403


def test_account_opening_with_a_face_that_does_not_match_opens_nothing(app, bank_login, csrf_token, devices):
    client = app.test_client()
    bank_login(client, AN, consents=("personal", "financial", "biometric"))
    control.set_profile(devices.face, "mismatch")
    response = client.post("/s/banking/open/verify", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 403
    entry = audit_entries(app)[-1]
    assert (entry["action"], entry["outcome"], entry["details"]["reason"]) == ("banking.ekyc", "refused",
                                                                                "biometric_mismatch")
    assert client.post("/s/banking/open/confirm", data={"csrf_token": csrf_token(client)}).status_code == 303
    assert not [n for n in balances(app) if n.startswith("2020")]


# -- data-subject rights --------------------------------------------------------------------------


def test_export_lists_transfers_and_erase_forgets_them(app, an, csrf_token):
    from bank_helpers import new_key

    from plugins.banking import citizen_data_erase, citizen_data_export
    from plugins.banking.models import Transfer

    key = new_key(an)
    an.post("/s/banking/transfer/review", data={"csrf_token": csrf_token(an), "idempotency_key": key,
                                                "from_account": AN_MAIN, "to_bin": "970436", "to_kind": "account",
                                                "to_number": "0011004455667", "amount": "100000"})
    an.post("/s/banking/transfer/confirm", data={"csrf_token": csrf_token(an), "idempotency_key": key})
    with an.session_transaction() as session:
        citizen_id = int(session["_user_id"].split(":")[1])

    class Citizen:
        id = citizen_id

    with app.app_context():
        exported = citizen_data_export(citizen=Citizen)
        assert [t["amount_vnd"] for t in exported["transfers"]] == [100_000]
        citizen_data_erase(citizen=Citizen)
        assert Transfer.select().count() == 0


def test_consent_page_refuses_partial_agreement(app, bank_login, csrf_token):
    client = app.test_client()
    bank_login(client, AN, consents=())
    response = client.post("/s/banking/consent", data={"csrf_token": csrf_token(client), "need": "personal,financial",
                                                       "agree_personal": "yes"})
    assert response.status_code == 400
    grant(client, csrf_token, "personal", "financial")
    assert client.get("/s/banking/").status_code == 200


def test_a_long_statement_is_shown_a_page_at_a_time(app, an):
    """Issue 22: every list a citizen sees is paginated — 300 bookings, 25 a page on screen."""
    from core.db import database
    from plugins.banking.models import SimEntry

    statement_page(an)  # the simulated bank makes its tables on first use
    with app.app_context(), database.atomic():
        for i in range(300):
            SimEntry.create(account_number=AN_MAIN, amount=0, balance_after=0, at=1_793_000_000 + i * 60,
                            kind="transfer_in", description=f"bulk {i}", counterparty="TEST")
    first = statement_page(an).get_data(as_text=True)
    assert first.count('<td class="amount">') == 25 and 'rel="next"' in first
    link = re.search(r'rel="next" href="\?([^"]+)"', first).group(1).replace("&amp;", "&")
    second = an.get(f"/s/banking/statement?{link}").get_data(as_text=True)
    assert second.count('<td class="amount">') == 25 and 'rel="prev"' in second
    assert 'data-opening="' in second  # the same statement, its next page
