"""pytest fixtures for plugin authors (and the station's own tests).

Installed as a pytest plugin through the ``pytest11`` entry point, so a partner's package
gets these fixtures by installing ``citizen-station``:

    def test_my_page(make_station, login_citizen):
        app = make_station(plugins=["my_plugin"])
        client = app.test_client()
        login_citizen(client, assurance="high")
        assert client.get("/s/my_plugin/").status_code == 200

Fixtures: ``station_clock`` (a clock you move), ``make_station`` (a station on a fresh
temporary database with chosen plugins), ``station_app`` and ``client`` (all discovered
plugins enabled), ``login_citizen``, ``login_staff`` and ``csrf_token``.
Set ``STATION_TEST_DATABASE=postgres`` to run the same tests on PostgreSQL
(``STATION_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``);
each station then gets its own database, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


class FakeClock:
    """A settable clock (epoch seconds): ``clock.advance(121)`` instead of sleeping."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


def postgres_admin_url() -> str:
    """The URL of the PostgreSQL server used for tests."""
    return os.environ.get("STATION_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_available(url: str | None = None) -> tuple[bool, str]:
    """Whether the test PostgreSQL server answers, and why not."""
    try:
        import psycopg2
    except ImportError:
        return False, "psycopg2 is not installed (pip install citizen-station[postgres])"
    try:
        psycopg2.connect(url or postgres_admin_url(), connect_timeout=3).close()
    except psycopg2.OperationalError as exc:
        return False, f"no PostgreSQL server answers at {url or postgres_admin_url()}: {str(exc).strip()}"
    return True, ""


def require_postgres() -> str:
    """Skip (outside CI) or fail (in CI) when PostgreSQL is unavailable; returns the admin URL."""
    ok, why = postgres_available()
    if not ok:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but PostgreSQL is unavailable: {why}")
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    return postgres_admin_url()


class TemporaryPostgresDatabase:
    """Creates ``station_test_<random>`` on the server and drops it afterwards."""

    def __init__(self, admin_url: str) -> None:
        import psycopg2

        self.admin_url = admin_url
        self.name = f"station_test_{secrets.token_hex(6)}"
        connection = psycopg2.connect(admin_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{self.name}"')
        connection.close()
        base, _, _ = admin_url.rpartition("/")
        self.url = f"{base}/{self.name}"

    def drop(self) -> None:
        import psycopg2

        connection = psycopg2.connect(self.admin_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        connection.close()


@pytest.fixture
def station_clock() -> FakeClock:
    """A clock for the station under test, starting at a fixed time."""
    return FakeClock()


def _site_toml(site_id: str) -> str:
    return f"""[site]
id = "{site_id}"
name_vi = "Trạm thử nghiệm"
name_en = "Test station"
address = "Test address"
"""


@pytest.fixture
def make_station(tmp_path_factory: pytest.TempPathFactory, station_clock: FakeClock
                 ) -> Iterator[Callable[..., Any]]:
    """Factory: ``make_station(plugins=[...], devices=[...], settings={...}, **config)`` → Flask app.

    ``plugins`` lists the plugin ids enabled for the site (default: every discovered one).
    Extra keyword arguments become ``Config`` fields (e.g. ``roles=``, ``plugin_paths=``,
    ``safe_mode=``). Extra ``create_app`` options go in ``app_options``.
    """
    from core.app import create_app
    from core.config import config_from_dict
    from core.plugins import BUILTIN_DIR

    made: list[Any] = []
    cleanups: list[Callable[[], None]] = []

    def factory(plugins: list[str] | None = None, devices: list[dict[str, Any]] | None = None,
                settings: dict[str, dict[str, Any]] | None = None, app_options: dict[str, Any] | None = None,
                **config_fields: Any) -> Any:
        home = tmp_path_factory.mktemp("station")
        raw: dict[str, Any] = {"site": {"id": "test-station", "name_vi": "Trạm thử nghiệm",
                                        "name_en": "Test station", "address": "Test address"},
                               "devices": devices or [], "plugin_settings": settings or {}}
        if os.environ.get("STATION_TEST_DATABASE") == "postgres":
            temp = TemporaryPostgresDatabase(require_postgres())
            cleanups.append(temp.drop)
            raw["database"] = {"url": temp.url}
        (home / "station.toml").write_text(_site_toml("test-station"), encoding="utf-8")
        config = config_from_dict(raw, Path(home), str(home / "station.toml"))
        options = dict(app_options or {})
        if plugins is None:
            plugins = _all_plugin_ids(options.get("builtin_dir", BUILTIN_DIR),
                                      config_fields.get("plugin_paths", ()))
        config = config.with_overrides(enabled_plugins=tuple(plugins), **config_fields)
        app = create_app(config, clock=station_clock, **options)
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield factory
    from core import db

    for app in made:
        station = app.extensions["station"]
        station.plugins.shutdown(station.info_for)
    if db.database.obj is not None:
        db.database.close()
    for cleanup in cleanups:
        cleanup()


def _all_plugin_ids(builtin_dir: Path, extra: tuple[Path, ...]) -> list[str]:
    from importlib.metadata import entry_points

    from core.plugins import ENTRY_POINT_GROUP

    ids = [p.name for p in Path(builtin_dir).iterdir() if (p / "manifest.toml").exists()]
    for folder in extra:
        ids += [p.name for p in Path(folder).iterdir() if (p / "manifest.toml").exists()]
    ids += [ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return ids


@pytest.fixture
def station_app(make_station: Callable[..., Any]) -> Any:
    """A station with every discovered plugin enabled, on a fresh database."""
    return make_station()


@pytest.fixture
def client(station_app: Any) -> Any:
    """A Flask test client of ``station_app``."""
    return station_app.test_client()


@pytest.fixture
def login_citizen(station_clock: FakeClock) -> Callable[..., int]:
    """``login_citizen(client, assurance="high", identity=None) -> citizen id``.

    ``identity`` (a dict with ``id_number``, ``full_name`` and optionally ``date_of_birth``
    "YYYY-MM-DD", ``sex``, ``place_of_origin``, ``residence``) makes the session look exactly like
    a card login of that person: ``sdk.verified_identity()`` returns it and
    ``sdk.citizen_matches_id_number`` recognises the number.
    """
    from core import sessions
    from core.identity.models import Citizen
    from core.identity.session_identity import VerifiedIdentity, store_identity

    def login(client: Any, assurance: str = "high", id_hash: str | None = None, method: str = "test",
              identity: dict[str, Any] | None = None) -> int:
        with client.application.app_context():
            if identity is not None:
                id_hash = client.application.extensions["station"].citizens.id_hash(identity["id_number"])
            citizen, _ = Citizen.get_or_create(id_hash=id_hash or secrets.token_hex(32),
                                               defaults={"created_at": station_clock()})
        with client.session_transaction() as session:
            session.clear()
            sessions.rotate(session)
            session.update(_user_id=f"c:{citizen.id}", _fresh=True, _assurance=assurance, _method=method,
                           _auth_at=station_clock(), _step_up_at=station_clock())
            if identity is not None:
                fields = {"date_of_birth": None, **identity}
                store_identity(VerifiedIdentity(**fields), target=session)
        return citizen.id

    return login


@pytest.fixture
def login_staff(station_clock: FakeClock) -> Callable[..., int]:
    """``login_staff(client, roles=("manager",), username=None) -> staff id``."""
    from core.identity.models import StaffUser

    def login(client: Any, roles: tuple[str, ...] = ("manager",), username: str | None = None) -> int:
        with client.application.app_context():
            staff = StaffUser.create(username=username or f"staff-{secrets.token_hex(4)}",
                                     roles=",".join(roles), created_at=station_clock())
        with client.session_transaction() as session:
            session.clear()
            session.update(_user_id=f"s:{staff.id}", _fresh=True, _staff=True, _auth_at=station_clock())
        return staff.id

    return login


@pytest.fixture
def csrf_token() -> Callable[[Any], str]:
    """``csrf_token(client)``: the token to send with a form or as ``X-CSRF-Token``."""

    def token(client: Any) -> str:
        with client.session_transaction() as session:
            if not session.get("_csrf"):
                session["_csrf"] = secrets.token_urlsafe(32)
            return session["_csrf"]

    return token


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout`` (for tests of real servers and devices)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
