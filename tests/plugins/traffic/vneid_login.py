"""Log a test client in as one of hal.sim.citizens.TEST_CITIZENS through the simulated VNeID flow."""

from __future__ import annotations

import re
from urllib.parse import unquote


def login_as(app, client, csrf_token, account: int, level: int = 2) -> None:
    """Kiosk shows the VNeID QR, the simulated phone approves as ``account``, the kiosk claims it."""
    page = client.get("/login/vneid").get_data(as_text=True)
    request_id = re.search(r'data-claim-url="/login/vneid/([^/?"]+)/claim', page).group(1)
    uri = unquote(re.search(r'/sim/vneid/phone\?r=([^"]+)"', page).group(1).replace("&amp;", "&"))
    phone = app.test_client()
    approved = phone.post("/sim/vneid/phone", data={"r": uri, "account": str(account), "level": str(level),
                                                     "csrf_token": csrf_token(phone)})
    assert approved.status_code == 200, approved.get_data(as_text=True)[:500]
    done = client.post(f"/login/vneid/{request_id}/claim",
                       headers={"X-CSRF-Token": csrf_token(client), "Accept": "application/json"})
    assert done.json["status"] == "done", done.json
