"""Plugins' manager_panels appear on the console overview for staff who may open them."""

import pytest

from core.identity.models import StaffUser


@pytest.fixture
def app(make_station):
    return make_station(plugins=["healthcare", "security"])


def _login(app, client, username, roles):
    with app.app_context():
        app.extensions["station"].staff.add(username, "a long enough password", list(roles))
    with client.session_transaction() as session:
        session["_csrf"] = "t"
    client.post("/staff/login", data={"username": username, "password": "a long enough password", "code": "",
                                      "csrf_token": "t"})


def test_pharmacist_sees_the_healthcare_panel_and_can_open_it(app):
    client = app.test_client()
    _login(app, client, "lan", ("pharmacist",))
    page = client.get("/console/").get_data(as_text=True)
    assert 'id="service-panels"' in page and 'data-plugin="healthcare"' in page
    link = page.split('data-plugin="healthcare" href="')[1].split('"')[0]
    assert client.get(link).status_code == 200


def test_auditor_does_not_see_a_panel_it_may_not_open(app):
    client = app.test_client()
    _login(app, client, "minh", ("auditor",))
    with app.app_context():
        assert StaffUser.get(StaffUser.username == "minh").role_list == ["auditor"]
    page = client.get("/console/").get_data(as_text=True)
    assert 'data-plugin="healthcare" href=' not in page
