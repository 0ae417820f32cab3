"""Abuse limits on creating dossiers (issue 22): a citizen who starts dossiers past the limit
gets a clear Vietnamese refusal (HTTP 429), and the site sets the limit in station.toml."""

from __future__ import annotations

import pytest

from core.config import ConfigError, config_from_dict


def _start(client, csrf_token):
    return client.post("/s/admin/procedures/1.004194/start", data={"csrf_token": csrf_token(client), "agree": "yes"})


def test_starting_dossiers_is_limited_per_citizen_with_a_vietnamese_message(admin_app, vneid_login, csrf_token):
    kiosk = admin_app().test_client()
    vneid_login(kiosk, account=1)
    statuses = [_start(kiosk, csrf_token).status_code for _ in range(20)]
    assert statuses == [302] * 20
    refused = _start(kiosk, csrf_token)
    assert refused.status_code == 429
    assert "Đã đạt giới hạn số lần gửi" in refused.get_data(as_text=True)


def test_the_site_sets_the_limit_in_station_toml(admin_app, vneid_login, csrf_token, station_clock):
    app = admin_app(limits={"admin.dossier": {"per_citizen": [3, 3600]}})
    kiosk = app.test_client()
    vneid_login(kiosk, account=1)
    assert [_start(kiosk, csrf_token).status_code for _ in range(4)] == [302, 302, 302, 429]
    station_clock.advance(3601)
    vneid_login(kiosk, account=1)
    assert _start(kiosk, csrf_token).status_code == 302


def test_a_count_of_zero_lifts_the_limit(admin_app, vneid_login, csrf_token):
    app = admin_app(limits={"admin.dossier": {"per_citizen": [0, 0], "per_station": [0, 0]}})
    kiosk = app.test_client()
    vneid_login(kiosk, account=1)
    assert {_start(kiosk, csrf_token).status_code for _ in range(25)} == {302}


def test_a_malformed_limit_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigError) as refused:
        config_from_dict({"site": {"id": "s1", "name_vi": "x", "name_en": "x"}, "limits": {"admin.dossier": {"per_citizen": [3]}}},
                         tmp_path)
    assert "per_citizen" in str(refused.value)
