"""The hub console's fleet views: filters by province and ward, the station map from the
stations' own coordinates, and usage counts summed across the stations shown."""

from __future__ import annotations

import re

from hub.console import add_staff
from hub.service import create_enrolment_code, receive_message

PASSWORD = "một mật khẩu dài đủ 2026"
SITES = [("hn-01", "Hà Nội", "Phường Hoàn Kiếm", 21.0285, 105.8542),
         ("hn-02", "Hà Nội", "Phường Ba Đình", 21.0368, 105.8342),
         ("hue-01", "Huế", "Phường Phú Hội", None, None)]


def _send(station, clock, number, kind, body):
    clock.advance(1)
    receive_message(station.station_id, {"id": f"{kind}-{number:06d}", "kind": kind, "created": clock(),
                                         "body": body}, clock())


def _fleet(hub_apps, hub_clock, make_station):
    days = ["2026-12-04", "2026-12-05"]
    for number, (site, province, ward, lat, lon) in enumerate(SITES):
        station = make_station(site)
        station.enrol(hub_apps[0].test_client(), create_enrolment_code(hub_clock()))
        place = {"name_vi": f"Trạm {site}", "province": province, "ward": ward}
        if lat is not None:
            place.update(latitude=lat, longitude=lon)
        _send(station, hub_clock, number, "heartbeat", {"site": place})
        _send(station, hub_clock, number, "usage", {"days": days, "transactions": {"traffic": [1, number + 1]},
                                                    "screenings": [0, 2], "payments": {"card": 3}})
    add_staff("lan", PASSWORD, hub_clock(), role="viewer")
    client = hub_apps[1].test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
    return client


def test_filters_and_the_map_show_the_stations_where_they_are(hub_apps, hub_clock, make_station):
    client = _fleet(hub_apps, hub_clock, make_station)
    page = client.get("/").get_data(as_text=True)
    assert all(f"Trạm {site}" in page for site, *_ in SITES)
    svg = page[page.index('<svg id="station-map"'):page.index("</svg>")]
    assert 'data-site="hn-01"' in svg and 'data-site="hn-02"' in svg and "hue-01" not in svg  # no coordinates
    # Ba Đình lies north-west of Hoàn Kiếm: left of it and higher up on the map
    hk = re.search(r'data-site="hn-01"><circle cx="([\d.]+)" cy="([\d.]+)"', svg).groups()
    bd = re.search(r'data-site="hn-02"><circle cx="([\d.]+)" cy="([\d.]+)"', svg).groups()
    assert float(bd[0]) < float(hk[0]) and float(bd[1]) < float(hk[1])
    hue = client.get("/?province=Huế").get_data(as_text=True)
    assert "Trạm hue-01" in hue and "Trạm hn-01" not in hue and 'id="map-empty"' in hue
    ward = client.get("/?ward=Phường Ba Đình").get_data(as_text=True)
    assert "Trạm hn-02" in ward and "Trạm hn-01" not in ward


def test_usage_is_summed_over_the_stations_shown(hub_apps, hub_clock, make_station):
    client = _fleet(hub_apps, hub_clock, make_station)
    page = client.get("/usage").get_data(as_text=True)
    assert "3 trạm đã gửi số liệu" in page
    assert "traffic: 9" in page  # 1+1 + 1+2 + 1+3 transactions over the two days
    assert "05/12 · traffic: 6" in page
    hanoi = client.get("/usage?province=Hà Nội").get_data(as_text=True)
    assert "2 trạm đã gửi số liệu" in hanoi and "traffic: 5" in hanoi
