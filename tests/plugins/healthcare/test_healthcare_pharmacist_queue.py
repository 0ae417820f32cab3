"""The pharmacist's queue is paginated (issue 22, every list a staff member sees): with 250
orders waiting, a page shows 10 and the next-page link shows the next 10, oldest first."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def app(health_station):
    return health_station([])


def test_a_long_queue_is_shown_ten_at_a_time(app, login_staff):
    from core.db import database
    from core.identity.models import Citizen
    from plugins.healthcare.models import RxOrder

    with app.app_context(), database.atomic():
        # an order is sealed with its citizen's data key: the citizen exists
        Citizen.insert(id=1, id_hash="test-queue-citizen", created_at=0.0).on_conflict_ignore().execute()
        for i in range(250):
            RxOrder.create(citizen_id=1, code="01013AB12CD3-c", state="awaiting_approval",
                           lines=[{"sku": "OMEP20", "qty": 1, "unit_price": 1000, "total": 1000}], total_vnd=1000,
                           pickup_code=f"{i:06d}", created_at=1_790_000_000 + i)
    pharmacist = app.test_client()
    login_staff(pharmacist, roles=("pharmacist",))
    first = pharmacist.get("/s/healthcare/pharmacist").get_data(as_text=True)
    ids = [int(x) for x in re.findall(r'<section class="card" data-order="(\d+)"', first)]
    assert len(ids) == 10 and ids == sorted(ids) and "Trang 1 / 25" in first
    link = re.search(r'rel="next" href="\?([^"]+)"', first).group(1)
    second = pharmacist.get(f"/s/healthcare/pharmacist?{link}").get_data(as_text=True)
    more = [int(x) for x in re.findall(r'<section class="card" data-order="(\d+)"', second)]
    assert len(more) == 10 and min(more) > max(ids)
