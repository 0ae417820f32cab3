"""One access model for every view of the station, core and plugin alike."""

import json

import pytest
from flask import Flask

from core.permissions import PermissionPolicy, access_of, public, requires
from core.refusal_limit import RefusalLimiter
from core.web.guard import (
    UndeclaredAccess,
    check_declared_access,
    is_static_endpoint,
    undeclared_endpoints,
)

JSON = {"Accept": "application/json"}


def _refusals(app):
    with app.app_context():
        entries = [json.loads(leaf) for leaf in app.extensions["station"].audit.export()]
    return [e for e in entries if e["action"] == "access.refused"]


def test_every_route_of_the_station_declares_its_access_with_every_plugin_enabled(station_app):
    station = station_app.extensions["station"]
    assert {r.id for r in station.plugins.active()} >= {"admin", "banking", "healthcare", "security", "traffic",
                                                         "utilities"}
    checked = 0
    for rule in station_app.url_map.iter_rules():
        if is_static_endpoint(rule.endpoint):
            continue
        access = access_of(station_app.view_functions[rule.endpoint])
        assert access is not None, f"{rule.rule} ({rule.endpoint}) declares no access"
        assert access.is_public or access.permission in station.policy.known, rule.endpoint
        checked += 1
    assert checked > 100
    assert undeclared_endpoints(station_app) == []


def test_the_station_refuses_to_start_with_a_view_that_declares_nothing():
    app = Flask("undeclared")

    @app.route("/declared")
    @public
    def declared():
        return "ok"

    check_declared_access(app)

    @app.route("/forgotten")
    def forgotten():
        return "nobody said who may see this"

    with pytest.raises(UndeclaredAccess, match="forgotten"):
        check_declared_access(app)


def test_wildcard_manager_gets_a_clear_403_on_every_citizen_page_never_a_500(make_station, login_staff):
    app = make_station(roles={"manager": ["*"]})
    client = app.test_client()
    login_staff(client, roles=("manager",))
    policy = app.extensions["station"].policy
    citizen_pages = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or is_static_endpoint(rule.endpoint):
            continue
        response = client.get(rule.rule, headers=JSON)
        assert response.status_code < 500, f"{rule.rule} answered {response.status_code}"
        access = access_of(app.view_functions[rule.endpoint])
        if not access.is_public and policy.audience(access.permission) == "citizen":
            citizen_pages += 1
            assert response.status_code == 403, rule.rule
            assert "dành cho công dân" in response.json["message"]
    assert citizen_pages >= 10
    assert client.get("/console/").status_code == 200  # "*" still opens every staff page


def test_anonymous_visitors_of_staff_pages_are_sent_to_the_staff_login(station_app):
    client = station_app.test_client()
    for url in ("/console/", "/console/audit/", "/pay/alerts", "/s/healthcare/pharmacist"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/staff/login"), url
    citizen_page = client.get("/my-data/")
    assert citizen_page.status_code == 302 and citizen_page.headers["Location"].startswith("/login")


def test_site_roles_decide_console_and_payment_pages_too(make_station, login_staff, csrf_token):
    app = make_station(plugins=[], roles={"operator": ["console.plugins.change", "console.plugins.view"],
                                          "manager": ["console.open"]})
    client = app.test_client()
    login_staff(client, roles=("manager",))
    assert client.get("/console/").status_code == 200
    assert client.get("/console/audit/").status_code == 200  # manifest defaults still apply
    assert client.get("/console/plugins/", headers=JSON).status_code == 403  # the site named this permission
    login_staff(client, roles=("operator",))
    assert client.get("/console/plugins/").status_code == 200
    assert client.get("/pay/alerts", headers=JSON).status_code == 200


def test_wildcard_does_not_grant_citizen_permissions_but_grants_everything_else():
    policy = PermissionPolicy([{"id": "p.use", "default_roles": ["citizen"]},
                               {"id": "p.staff", "default_roles": ["pharmacist"]},
                               {"id": "p.both", "default_roles": ["citizen", "auditor"]}],
                              {"manager": ["*"]})
    assert policy.audience("p.use") == "citizen" and not policy.allows(["manager"], "p.use")
    assert policy.audience("p.staff") == "staff" and policy.allows(["manager"], "p.staff")
    assert policy.audience("p.both") == "any" and policy.allows(["manager"], "p.both")
    assert policy.allows(["citizen"], "p.use") and not policy.allows(["citizen"], "p.staff")


def test_refused_access_is_audited_once_per_actor_page_and_reason_in_a_window(example_station, login_citizen,
                                                                              station_clock):
    client = example_station.test_client()
    login_citizen(client)
    for _ in range(5):
        assert client.get("/s/fx_example/staff").status_code == 403
    entries = _refusals(example_station)
    assert len(entries) == 1
    assert entries[0]["object"] == "endpoint:fx_example.staff_only" and entries[0]["outcome"] == "refused"
    assert entries[0]["plugin"] == "fx_example" and entries[0]["details"]["reason"] == "staff_page"
    assert entries[0]["actor"].startswith("citizen:")
    station_clock.advance(61)
    assert client.get("/s/fx_example/staff").status_code == 403
    entries = _refusals(example_station)
    assert len(entries) == 2 and entries[1]["details"]["suppressed"] == 4


def test_a_post_without_csrf_token_is_audited_as_refused(example_station, login_citizen):
    client = example_station.test_client()
    login_citizen(client)
    assert client.post("/s/fx_example/notes", data={"text": "x"}).status_code == 400
    assert [e["details"]["reason"] for e in _refusals(example_station)] == ["csrf"]


def test_anonymous_page_views_write_nothing_to_the_audit_log(station_app):
    client = station_app.test_client()
    before = len(_refusals(station_app))
    client.get("/console/")
    client.get("/my-data/")
    assert len(_refusals(station_app)) == before


def test_the_refusal_limiter_caps_all_refusals_in_a_window():
    now = [0.0]
    limiter = RefusalLimiter(lambda: now[0], window_seconds=60, max_per_window=3)
    admitted = [limiter.admit(f"citizen:{i}", "x.page", "permission") for i in range(10)]
    assert admitted == [0, 0, 0] + [None] * 7
    now[0] = 60.0
    assert limiter.admit("citizen:99", "x.page", "permission") == 7


def test_requires_marks_the_view_with_its_permission():
    @requires("fx.use")
    def view():
        return "ok"

    assert access_of(view).permission == "fx.use"
