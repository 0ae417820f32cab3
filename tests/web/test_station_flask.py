"""The station's request class reads cookies as werkzeug's does, from the one environ key."""

import pytest
from flask import Request
from werkzeug.test import EnvironBuilder

from core.web.station_flask import StationRequest


@pytest.mark.parametrize("header", [
    None, "", "station_session=abc", "a=1; b=2; a=3", 'q="quoted \\"value\\""; z=%C3%A1',
    "broken; station_csrf=nonce-123456789012", "  spaced = x  ;y=",
])
def test_cookies_are_parsed_like_werkzeug(header):
    headers = {"Cookie": header} if header is not None else {}
    environ = EnvironBuilder(path="/", headers=headers).get_environ()
    ours, werkzeugs = StationRequest(environ).cookies, Request(environ).cookies
    assert list(ours.items(multi=True)) == list(werkzeugs.items(multi=True))
    assert type(ours) is type(werkzeugs)


def test_the_station_uses_it(station_app):
    assert station_app.request_class is StationRequest
