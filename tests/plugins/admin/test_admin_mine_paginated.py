"""'My dossiers' is paginated (issue 22): with 300 filed dossiers and 50 drafts the page shows 20
dossiers and at most 20 drafts, and the next-page link gives the next 20."""

from __future__ import annotations

import re


def test_my_dossiers_with_hundreds_of_rows_stays_bounded(admin_app, vneid_login, csrf_token):
    app = admin_app()
    kiosk = app.test_client()
    vneid_login(kiosk, account=1)
    started = kiosk.post("/s/admin/procedures/1.004194/start", data={"csrf_token": csrf_token(kiosk), "agree": "yes"})
    assert started.status_code == 302
    from core.db import database
    from plugins.admin.models import Dossier

    with app.app_context():
        citizen_id = Dossier.get().citizen_id
        with database.atomic():
            for i in range(300):
                Dossier.create(citizen_id=citizen_id, procedure_code="1.004194", stage="submitted",
                               dossier_code=f"T{i:05d}", created_at=1_790_000_000 + i, submitted_at=1_790_000_000 + i)
            for i in range(50):
                Dossier.create(citizen_id=citizen_id, procedure_code="1.004194", created_at=1_790_000_000 + i)
    first = kiosk.get("/s/admin/mine").get_data(as_text=True)
    codes = re.findall(r'data-code="(T\d+)"', first)
    assert len(codes) == 20 and codes[0] == "T00299"
    assert first.count("/review") <= 20 and 'id="more-drafts"' in first
    link = re.search(r'rel="next" href="\?([^"]+)"', first).group(1)
    second = re.findall(r'data-code="(T\d+)"', kiosk.get(f"/s/admin/mine?{link}").get_data(as_text=True))
    assert second[0] == "T00279" and len(second) == 20
