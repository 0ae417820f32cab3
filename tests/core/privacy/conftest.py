"""Fixtures of the privacy tests: a station with the example plugin and the encrypted fx_private."""

from pathlib import Path

import pytest

from core.privacy.web import privacy

PRIVACY_PLUGINS = Path(__file__).parent / "plugins"
FIXTURE_PLUGINS = Path(__file__).parents[2] / "fixtures" / "plugins"
NAME = "Nguyễn Thị Hồng Nhung"
ID_NUMBER = "079302012345"
NOTE = "Huyết áp cao, đau đầu khi thức dậy — Trần Văn Đức đưa đến"


def with_my_data(app):
    """Mount the "My data" blueprint as the app factory will (before the first request)."""
    if "privacy" not in app.blueprints:
        app.register_blueprint(privacy)
    return app


@pytest.fixture
def private_station(make_station):
    """fx_example (plain notes) and fx_private (encrypted fields), with /my-data mounted."""
    return with_my_data(make_station(plugins=["fx_example", "fx_private"],
                                     plugin_paths=(FIXTURE_PLUGINS, PRIVACY_PLUGINS)))


@pytest.fixture
def new_citizen(private_station, station_clock):
    """``new_citizen() -> id``: a citizen row (as a login would create)."""
    import secrets

    from core.identity.models import Citizen

    def make() -> int:
        with private_station.app_context():
            return Citizen.create(id_hash=secrets.token_hex(32), created_at=station_clock()).id

    return make
