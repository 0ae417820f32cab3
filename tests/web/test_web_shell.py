"""The kiosk shell: grouped tiles, display preferences, My data link, finish and forget me."""

from __future__ import annotations

import json
import re


def _entries(app):
    with app.app_context():
        return [json.loads(x) for x in app.extensions["station"].audit.export()]


def test_home_groups_tiles_by_category_in_the_fixed_order(web_station):
    page = web_station.test_client().get("/").get_data(as_text=True)
    order = re.findall(r'<section class="category cat-([a-z_]+)"', page)
    assert order == ["public_safety", "healthcare", "traffic"]
    healthcare = page[page.index('id="cat-healthcare"'):page.index('id="cat-traffic"')]
    assert healthcare.count('class="tile"') == 2  # the built-in and the example plugin share the category


def test_display_preferences_are_remembered_in_the_session(web_station, csrf_token):
    client = web_station.test_client()
    response = client.post("/display", data={"text_size": "large", "next": "/login/",
                                             "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/")
    client.post("/display", data={"contrast": "high", "csrf_token": csrf_token(client)})
    page = client.get("/").get_data(as_text=True)
    assert 'class="kiosk home text-large contrast-high"' in page
    assert 'aria-pressed="true" id="toggle-text"' in page


def test_display_preferences_ignore_unknown_values_and_foreign_redirects(web_station, csrf_token):
    client = web_station.test_client()
    response = client.post("/display", data={"text_size": "huge", "next": "//evil.example/",
                                             "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"
    assert "text-large" not in client.get("/").get_data(as_text=True)
    assert client.get("/display").status_code == 405


def test_my_data_link_is_shown_to_a_logged_in_citizen_only(web_station, login_citizen):
    client = web_station.test_client()
    assert 'id="my-data-link"' not in client.get("/").get_data(as_text=True)
    login_citizen(client)
    page = client.get("/").get_data(as_text=True)
    assert 'id="my-data-link"' in page and 'href="/my-data/"' in page


def test_finish_ends_the_session_and_audits_its_length_and_reason(web_station, login_citizen, csrf_token,
                                                                  station_clock):
    client = web_station.test_client()
    citizen = login_citizen(client)
    station_clock.advance(95)
    response = client.post("/logout", data={"reason": "idle", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and "cookies" in response.headers["Clear-Site-Data"]
    end = _entries(web_station)[-1]
    assert end["action"] == "session.end" and end["actor"] == f"citizen:{citizen}"
    assert end["details"]["seconds"] == 95 and end["details"]["reason"] == "idle"
    assert 'id="login-link"' in client.get("/").get_data(as_text=True)


def test_finish_for_a_visitor_records_nothing(web_station, csrf_token):
    client = web_station.test_client()
    before = len(_entries(web_station))
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert len(_entries(web_station)) == before


def test_error_pages_are_friendly_in_the_pages_language_and_lead_back(web_station):
    client = web_station.test_client()
    response = client.get("/no-such-page", headers={"Accept": "text/html", "Referer": "http://localhost/login/"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Không tìm thấy trang này" in page and "Trạm không có trang này" in page
    assert "We could not find" not in page and "The requested URL" not in page and "Traceback" not in page
    assert 'href="/login/" id="error-back"' in page  # back to where I was
    wrong_method = client.get("/display", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "The method is not allowed" not in wrong_method and "Về trang chủ" in wrong_method
    # no referrer: "back" still offered — the browser's history, falling back to the home page
    assert 'href="/" id="error-back" data-history-back' in wrong_method and "/static/history_back.js" in wrong_method
    english = client.get("/no-such-page?lang=en", headers={"Referer": "https://elsewhere.example/x"})
    text = english.get_data(as_text=True)
    assert "We could not find this page" in text and "Không tìm thấy" not in text
    assert "elsewhere.example" not in text  # only this station's pages are offered as "back"


def test_every_error_page_offers_back_to_the_service_the_citizen_was_in(web_station):
    client = web_station.test_client()
    for path, back in (("/s/nothing-here/x/y", "/"), ("/my-data/no-such", "/my-data/"), ("/no/such", "/")):
        page = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert f'href="{back}" id="error-back" data-history-back' in page, path
        assert "Về trang chủ" in page


def test_idle_countdown_is_on_citizen_pages_only(web_station, login_citizen, login_staff):
    client = web_station.test_client()
    assert "data-idle-seconds" not in client.get("/").get_data(as_text=True)
    login_citizen(client)
    assert 'data-idle-seconds="120"' in client.get("/").get_data(as_text=True)
    staff = web_station.test_client()
    login_staff(staff)
    assert "data-idle-seconds" not in staff.get("/console/").get_data(as_text=True)


def test_layout_helpers_give_the_same_urls_and_keyboard_as_without_the_cache(station_app):
    """core/web/render_cache.py: remembered URLs equal Flask's, the keyboard follows the language,
    and the templates' url_for still works outside a request."""
    from flask import render_template_string, url_for

    client = station_app.test_client()
    vi = client.get("/").get_data(as_text=True)
    en = client.get("/?lang=en").get_data(as_text=True)
    assert vi.count('id="osk"') == en.count('id="osk"') == 1 and 'data-osk-key="q"' in vi
    assert "tones: s acute" in en and "dấu: s sắc" in vi        # the keyboard hint in each language
    assert client.get("/").get_data(as_text=True) == vi         # the remembered fragment is the same page
    with station_app.test_request_context("/"):
        for _ in range(2):                                        # built, then remembered
            assert render_template_string("{{ url_for('static', filename='station.css') }}") == \
                url_for("static", filename="station.css")
        assert render_template_string("{{ url_for('shell.home', _external=True) }}").startswith("http://")
    station_app.config["SERVER_NAME"] = "station.invalid"
    with station_app.app_context():
        assert station_app.jinja_env.globals["url_for"]("static", filename="station.css").endswith("/static/station.css")


def test_cached_layout_parts_carry_each_pages_token_path_and_name(web_station, login_citizen, csrf_token):
    """shell_part (core/web/render_cache.py): the layout is rendered once per state, but every page
    gets its own CSRF token and path (escaped), each citizen their own greeting, and a change of
    state (large text, logging in) a different layout."""
    from markupsafe import escape

    first, second = web_station.test_client(), web_station.test_client()
    page_one = first.get("/?x=<b>").get_data(as_text=True)
    page_two = second.get("/login/").get_data(as_text=True)
    token_one, token_two = (re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
                            for page in (page_one, page_two))
    assert token_one != token_two
    assert page_one.count(f'value="{token_one}"') >= 3 and token_two not in page_one
    assert page_two.count(f'value="{token_two}"') >= 3 and token_one not in page_two
    assert f'name="next" value="{escape("/?x=<b>")}"' in page_one and "<b>" not in page_one
    assert 'name="next" value="/login/"' in page_two
    assert "@@station-shell" not in page_one + page_two
    assert 'id="login-link"' in page_one and 'id="greeting"' not in page_one
    login_citizen(first)
    logged_in = first.get("/").get_data(as_text=True)
    assert 'id="login-link"' not in logged_in and 'id="my-data-link"' in logged_in
    first.post("/display", data={"text_size": "large", "csrf_token": csrf_token(first)})
    assert 'aria-pressed="true" id="toggle-text"' in first.get("/").get_data(as_text=True)
    assert 'aria-pressed="false" id="toggle-text"' in second.get("/").get_data(as_text=True)


def test_imported_macros_are_reused_and_still_see_the_pages_own_globals():
    """StationTemplate (core/web/render_cache.py): ``{% import %}`` hands out the cached module as
    Jinja does, and a fresh one when the importing page has globals the macro template lacks."""
    from jinja2 import DictLoader, Environment

    from core.web.render_cache import StationTemplate

    sources = {"m.html": "{% macro hi() %}hi {{ extra|default('-') }}{% endmacro %}",
               "page.html": '{% import "m.html" as m %}{{ m.hi() }}',
               "other.html": '{% import "m.html" as m %}{{ m.hi() }}'}
    results = []
    for template_class in (StationTemplate, None):
        env = Environment(loader=DictLoader(sources))
        if template_class:
            env.template_class = template_class
        plain = env.get_template("page.html")
        with_extra = env.get_template("other.html", globals={"extra": "y"})
        results.append([plain.render(), plain.render(), with_extra.render(), with_extra.render(), plain.render()])
        module = env.get_template("m.html")._module
        assert module is not None and env.get_template("m.html")._get_default_module() is module
    assert results[0] == results[1] == ["hi -", "hi -", "hi y", "hi y", "hi -"]
