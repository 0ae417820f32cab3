"""Kiosk aids on the transfer (issue 14): the amount in words under the amount (live and on
every page after), the bank picker with search, and the printed transfer confirmation."""

from __future__ import annotations

import re

import pytest
from bank_helpers import AN, AN_MAIN, OTHER_BANK_ACCOUNT, VCB, new_key

from hal.sim import control
from sdk.testing import audit_entries


@pytest.fixture
def an(app, bank_login):
    client = app.test_client()
    bank_login(client, AN)
    return client


def review(client, csrf_token, key, **overrides):
    form = {"idempotency_key": key, "from_account": AN_MAIN, "to_bin": VCB, "to_kind": "account",
            "to_number": OTHER_BANK_ACCOUNT, "amount": "1.500.000", "description": "Tien nha", **overrides}
    return client.post("/s/banking/transfer/review", data={"csrf_token": csrf_token(client), **form})


def test_the_form_has_live_amount_words_and_a_searchable_bank_list(an):
    page = an.get("/s/banking/transfer").get_data(as_text=True)
    assert 'data-amount-words="kp-amount-words"' in page and 'id="kp-amount-words"' in page
    assert "/static/amount_words.js" in page and "/static/list_filter.js" in page
    assert 'type="search" id="bank-search"' in page and 'data-filter-list="bank-options"' in page
    radios = re.findall(r'<input type="radio" name="to_bin" value="(\d{6})"', page)
    assert len(radios) > 40 and VCB in radios
    assert 'data-filter-text="Vietcombank Ngoại thương Việt Nam"' in page
    assert "<select name=\"to_bin\"" not in page


def test_a_form_that_comes_back_keeps_the_amount_and_says_it_in_words(an, csrf_token):
    response = review(an, csrf_token, new_key(an), amount="15.000.000", to_number="12")
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 409)
    assert 'value="15.000.000"' in page and "mười lăm triệu đồng" in page
    assert re.search(rf'value="{VCB}" checked', page)          # the chosen bank is kept


def test_english_words_when_english_is_chosen(an, csrf_token):
    an.post("/lang", data={"csrf_token": csrf_token(an), "lang": "en", "next": "/"})
    page = review(an, csrf_token, new_key(an), amount="1.005.000", to_number="12").get_data(as_text=True)
    assert "one million five thousand dong" in page


def test_confirmation_result_and_printed_confirmation_carry_the_amount_in_words(app, an, csrf_token, devices):
    key = new_key(an)
    confirm_page = review(an, csrf_token, key, amount="1.005.000").get_data(as_text=True)
    assert "Một triệu không trăm linh năm nghìn đồng" in confirm_page
    done = an.post("/s/banking/transfer/confirm", data={"csrf_token": csrf_token(an), "idempotency_key": key})
    result_url = done.headers["Location"]
    result = an.get(result_url).get_data(as_text=True)
    assert "Một triệu không trăm linh năm nghìn đồng" in result and 'id="print-transfer"' in result
    before = len(control.simulator(devices.printer).receipts)
    printed = an.post(result_url + "/print", data={"csrf_token": csrf_token(an)})
    assert printed.status_code == 303 and printed.headers["Location"].endswith("printed=ok")
    assert 'id="printed"' in an.get(printed.headers["Location"]).get_data(as_text=True)
    receipt = control.simulator(devices.printer).receipts[before]
    text = receipt.text
    assert "XÁC NHẬN CHUYỂN KHOẢN" in text and "1.005.000 ₫" in text
    assert "Một triệu không trăm linh năm nghìn đồng" in text and "****" in text and OTHER_BANK_ACCOUNT not in text
    assert [e for e in audit_entries(app) if e["action"] == "banking.transfer.print"][-1]["outcome"] == "ok"
    assert an.post(result_url + "/print").status_code == 400     # CSRF


def test_an_error_inside_banking_leads_back_to_banking(an):
    response = an.get("/s/banking/transfer/review/" + "x" * 24, headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500
    assert 'href="/s/banking/" id="error-back" data-history-back' in page and "Về trang chủ" in page
