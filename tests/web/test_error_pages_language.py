"""Issue 14: every error page — 400, 403, 404, 405, 500, the core's and a plugin blueprint's —
speaks the page's language (never the framework's English), and offers "back to where I was":
after a form, the page the form says it was sent from (no Referer is ever sent: the station's
Referrer-Policy is no-referrer), same-site paths only."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import Forbidden

from core.permissions import public

FRAMEWORK_ENGLISH = ("Not Found", "The requested URL", "Method Not Allowed", "The method is not allowed",
                     "Bad Request", "Internal Server Error", "Forbidden", "You don't have the permission",
                     "Traceback")
WORDS = {
    "vi": {"back": "Quay lại trang trước", "home": "Về trang chủ", "code": "Mã lỗi",
           404: "Không tìm thấy trang này", 405: "Không thể dùng trang này theo cách đó",
           400: "Có thông tin chưa đúng", 403: "Bạn không thể dùng chức năng này", 500: "Đã có lỗi xảy ra"},
    "en": {"back": "Back to where I was", "home": "Back to home", "code": "Error code",
           404: "We could not find this page", 405: "This page cannot be used this way",
           400: "Something in the form was not right", 403: "This is not available to you",
           500: "Something went wrong"},
}


@pytest.fixture
def app(web_station):
    @public
    def refused():  # a view that refuses, as any plugin view may
        raise Forbidden()

    @public
    def broken():
        raise RuntimeError("a bug")

    web_station.add_url_rule("/test-errors/refused", "test_refused", refused)
    web_station.add_url_rule("/test-errors/broken", "test_broken", broken, methods=["GET", "POST"])
    return web_station


def _back_href(page: str) -> str:
    found = re.search(r'<a class="button big" href="([^"]+)" id="error-back"', page)
    assert found, "no 'back to where I was' on the error page"
    return found.group(1).replace("&amp;", "&")


def _client(app, lang, token=None):
    client = app.test_client()
    if token:  # the language switch: chosen for the session
        client.post("/lang", data={"lang": lang, "csrf_token": token(client), "next": "/"})
    return client


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_error_page_is_in_the_pages_language_with_back(app, lang, csrf_token):
    client = _client(app, lang, csrf_token)
    words = WORDS[lang]
    cases = [
        ("GET", "/no-such-page", 404, None),
        ("GET", "/s/traffic/no-such-page", 404, None),                  # inside a plugin's blueprint
        ("GET", "/s/traffic/lookup", 405, None),                        # a plugin's POST-only view
        ("POST", "/s/traffic/lookup", 400, {"_from": "/s/traffic/?x=1"}),  # no CSRF token
        ("GET", "/test-errors/refused", 403, None),
        ("GET", "/test-errors/broken", 500, None),
        ("POST", "/test-errors/broken", 500, {"csrf_token": csrf_token(client), "_from": "/s/traffic/"}),
    ]
    for method, path, status, form in cases:
        response = client.open(path, method=method, data=form, headers={"Accept": "text/html"})
        page = response.get_data(as_text=True)
        assert response.status_code == status, (path, response.status_code)
        assert f'<html lang="{lang}">' in page, path
        assert words[status] in page and words["back"] in page and words["home"] in page, (path, lang)
        assert f"{words['code']} {status}" in page
        for english in FRAMEWORK_ENGLISH:
            assert english not in page, (path, english)
        other = WORDS["en" if lang == "vi" else "vi"]
        assert other[status] not in page and other["back"] not in page, (path, "other language")
        back = _back_href(page)
        if form and "_from" in form:
            assert back == form["_from"], path                     # exactly the page the form came from
        else:
            assert back.startswith("/"), path


def test_after_a_post_error_back_leads_to_the_form_not_to_a_foreign_site(app, csrf_token):
    client = _client(app, "vi")
    for sent, expected in (("/s/traffic/", "/s/traffic/"),
                           ("https://evil.example/x", "/s/traffic/"),     # another site: the service start
                           ("//evil.example/x", "/s/traffic/"),
                           ("/\\evil.example", "/s/traffic/")):
        page = client.post("/s/traffic/lookup", data={"_from": sent},
                           headers={"Accept": "text/html"}).get_data(as_text=True)
        assert _back_href(page) == expected, sent
        assert "evil.example" not in page
    # the Referer is not needed (the station never sends one), and the form's word wins over it
    page = client.post("/s/traffic/lookup", data={"_from": "/s/traffic/mine"},
                       headers={"Accept": "text/html", "Referer": "http://localhost/"}).get_data(as_text=True)
    assert _back_href(page) == "/s/traffic/mine"


def test_forms_of_the_sdk_macro_carry_the_page_they_are_on(app, login_citizen):
    client = app.test_client()
    login_citizen(client)
    page = client.get("/s/traffic/?lang=vi").get_data(as_text=True)
    assert '<input type="hidden" name="_from" value="/s/traffic/?lang=vi">' in page
