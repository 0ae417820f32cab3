"""Issue 16 item 7: bad input gets a clear 4xx, never a 500 — and money amounts are refused
rather than reinterpreted (non-ASCII digits, decimals)."""

from __future__ import annotations

import pytest

from sdk import UserInputError


@pytest.fixture
def app(make_station):
    return make_station(plugins=["banking", "security", "admin"])


@pytest.mark.parametrize("text", ["²", "１０００００", "１٢3000", "1000.5", "1.000.5", "-5000", "1e6", "12,34"])
def test_money_amounts_that_are_not_whole_ascii_numbers_are_refused(app, text):
    from plugins.banking.schemas import TransferSchema, load

    with app.test_request_context("/"):
        with pytest.raises(UserInputError):
            load(TransferSchema(own_bin="970499"), {"amount": text, "to_bin": "970436",
                                                     "to_account": "0011004455667", "from_account": "1010000001"})


@pytest.mark.parametrize("text, value", [("1500000", 1_500_000), ("1.500.000", 1_500_000), ("1,500,000", 1_500_000),
                                         ("20 000", 20_000)])
def test_grouped_amounts_are_read(app, text, value):
    from plugins.banking.schemas import AmountField

    with app.test_request_context("/"):
        assert AmountField().deserialize(text) == value


@pytest.mark.parametrize("start, end", [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")])
def test_statement_dates_far_away_are_refused(app, start, end):
    from plugins.banking.schemas import StatementSchema, load

    with app.test_request_context("/"):
        with pytest.raises(UserInputError):
            load(StatementSchema(), {"account": "1010000001", "start": start, "end": end})


@pytest.mark.parametrize("text", ["01/01/0001", "0001-01-01", "31/12/9999"])
def test_admin_form_dates_far_away_are_refused(text):
    from marshmallow import ValidationError

    from plugins.admin.schemas import FlexibleDate

    with pytest.raises(ValidationError):
        FlexibleDate().deserialize(text)


@pytest.mark.parametrize("body", [[1, 2], "text", 42, {"assertion": ["x"]}])
def test_vneid_callback_with_a_json_body_that_is_not_an_object_is_400(app, body):
    response = app.test_client().post("/login/vneid/callback", json=body)
    assert response.status_code == 400 and response.json["error"] == "vneid_malformed"


@pytest.mark.parametrize("path", ["/staff/login", "/s/security/tip", "/s/admin/track", "/login/vneid/abc/claim"])
def test_nul_bytes_in_form_fields_are_400_before_any_view(app, csrf_token, login_citizen, path):
    client = app.test_client()
    login_citizen(client)
    response = client.post(path, data={"username": "lan\x00", "password": "x", "code": "\x00", "text": "a\x00b",
                                       "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "không được phép" in response.get_data(as_text=True)  # the page speaks Vietnamese by default
    assert client.get("/", query_string={"q": "\x00"}).status_code == 400
