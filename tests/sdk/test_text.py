"""sdk.Text: one bilingual text type, carried by StationError; the older forms still work."""

from __future__ import annotations

import warnings

import pytest
from flask import Blueprint

import sdk
from core.devices import DeviceUnavailable
from core.payments.errors import PaymentClosed
from sdk import StationError, Text, UserInputError


def test_text_is_in_the_current_language(make_station):
    text = Text(vi="Xin chào", en="Hello")
    assert str(text) == "Xin chào"                      # no request: Vietnamese first
    app = make_station(plugins=[])
    with app.test_request_context("/?lang=en"):
        assert str(text) == "Hello"
    with app.test_request_context("/"):
        assert str(text) == "Xin chào"
    assert (Text(vi="%(n)s giấy", en="%(n)s sheets") % {"n": 3}).as_dict() == {"vi": "3 giấy", "en": "3 sheets"}
    assert Text.of("same") == Text(vi="same", en="same") and Text.of({"vi": "a", "en": "b"}) == Text("a", "b")


def test_station_error_carries_the_text_and_the_older_forms_give_one_too():
    error = UserInputError(Text(vi="Sai số tiền", en="Wrong amount"))
    assert error.text == Text(vi="Sai số tiền", en="Wrong amount")
    assert str(error) == "Sai số tiền" and error.args == ("Wrong amount",)
    assert error.http_status == 400
    one_string = StationError("plain")
    assert one_string.text == Text(vi="plain", en="plain") and str(one_string) == "plain"
    legacy = PaymentClosed("Only a completed payment has a receipt.", "Chỉ khoản đã thanh toán mới có biên lai.")
    assert legacy.text.vi.startswith("Chỉ khoản") and legacy.text.en.startswith("Only a completed")
    assert str(legacy) == "Only a completed payment has a receipt."  # the 1.0 form is unchanged


def test_device_unavailable_takes_a_text_and_the_vi_keyword_is_deprecated():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        modern = DeviceUnavailable(Text(vi="Máy bận", en="Busy"), "busy")
    assert (modern.vi, modern.en, modern.state) == ("Máy bận", "Busy", "busy")
    with pytest.warns(DeprecationWarning, match="sdk.Text"):
        old = DeviceUnavailable("Busy", "busy", vi="Máy bận")
    assert old.text == Text(vi="Máy bận", en="Busy")


def test_an_error_raised_with_a_text_is_shown_in_the_chosen_language(make_station):
    bp = Blueprint("fx_text", __name__)

    @bp.route("/boom")
    @sdk.public
    def boom():
        raise UserInputError(Text(vi="Số điện thoại không hợp lệ", en="The phone number is not valid"))

    app = make_station(plugins=[])
    app.register_blueprint(bp, url_prefix="/fx_text")
    client = app.test_client()
    assert "Số điện thoại không hợp lệ" in client.get("/fx_text/boom").get_data(as_text=True)
    english = client.get("/fx_text/boom?lang=en", headers={"Accept": "application/json"})
    assert english.status_code == 400 and "The phone number is not valid" in english.get_data(as_text=True)


def test_sdk_offers_text_and_the_minor_version_says_so():
    assert "Text" in sdk.__all__ and sdk.Text is Text
    assert tuple(int(x) for x in sdk.API_VERSION.split(".")[:2]) >= (1, 4)
