"""pytest fixtures and helpers for plugin authors (and the station's own tests).

Installed as a pytest plugin through the ``pytest11`` entry point, so a partner's package
gets these fixtures by installing ``citizen-station``:

    from sdk.testing import audit_entries, printed_receipts

    def test_my_page(station_factory, login_citizen):
        app = station_factory(plugins=["my_plugin"])
        client = app.test_client()
        login_citizen(client, assurance="high")
        assert client.get("/s/my_plugin/").status_code == 200
        assert audit_entries(app, action="my_plugin.viewed") == []

Fixtures: ``station_clock`` (a clock you move), ``station_factory`` (a station on a fresh
temporary database with chosen plugins), ``station_app`` and ``station_client`` (all
discovered plugins enabled), ``login_citizen``, ``login_staff`` and ``station_csrf_token``.
The sdk 1.0 names ``make_station``, ``client`` and ``csrf_token`` still work (with a
``DeprecationWarning``) unless another plugin (pytest-flask, pytest-django) owns them.
Helpers: :func:`audit_entries`, :func:`printed_receipts`, :func:`device_profile`,
:func:`unplug_device`, :func:`replug_device`, :func:`device_states`, :class:`FakeClock`,
:func:`wait_until`, :func:`require_postgres`, :class:`TemporaryPostgresDatabase`.
Set ``STATION_TEST_DATABASE=postgres`` to run the same tests on PostgreSQL
(``STATION_TEST_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``);
each station then gets its own database, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from core.station import current_station

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
def station_factory(tmp_path_factory: pytest.TempPathFactory, station_clock: FakeClock
                    ) -> Iterator[Callable[..., Any]]:
    """Factory: ``station_factory(plugins=[...], devices=[...], settings={...}, **config)`` → Flask app.

    ``plugins`` lists the plugin ids enabled for the site (default: every discovered one).
    Extra keyword arguments become ``Config`` fields (e.g. ``roles=``, ``plugin_paths=``,
    ``safe_mode=``). Extra ``create_app`` options go in ``app_options``.
    """
    from core.app import create_app
    from core.config import config_from_dict

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
            plugins = _all_plugin_ids(options.get("builtin_dir"), config_fields.get("plugin_paths", ()),
                                      options.get("entry_point_group"))
        # a test station is a development station: plugins from folders and editable installs
        # carry no signature (docs/supply-chain.md), so it allows unsigned plugins unless told not to
        config_fields.setdefault("allow_unsigned", True)
        config = config.with_overrides(enabled_plugins=tuple(plugins), **config_fields)
        app = create_app(config, clock=station_clock, **options)
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield factory
    from core import db

    for app in made:
        station = current_station(app)
        station.plugins.shutdown(station.info_for)
    if db.database.obj is not None:
        db.database.close()
    for cleanup in cleanups:
        cleanup()


def _all_plugin_ids(builtin_dir: Path | None, extra: tuple[Path, ...], group: str | None = None) -> list[str]:
    """Every plugin id the station would discover: entry points (the built-ins among them) and folders."""
    from importlib.metadata import entry_points

    from core.plugins import ENTRY_POINT_GROUP

    folders = ([Path(builtin_dir)] if builtin_dir is not None else []) + [Path(folder) for folder in extra]
    ids = [p.name for folder in folders for p in folder.iterdir() if (p / "manifest.toml").exists()]
    ids += [ep.name for ep in entry_points(group=group or ENTRY_POINT_GROUP)]
    return list(dict.fromkeys(ids))


@pytest.fixture
def station_app(station_factory: Callable[..., Any]) -> Any:
    """A station with every discovered plugin enabled, on a fresh database."""
    return station_factory()


@pytest.fixture
def station_client(station_app: Any) -> Any:
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
                id_hash = current_station(client.application).citizens.id_hash(identity["id_number"])
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
            session.update(_user_id=f"s:{staff.get_id()}", _fresh=True, _staff=True, _auth_at=station_clock())
        return int(staff.get_id())

    return login


@pytest.fixture
def station_csrf_token() -> Callable[[Any], str]:
    """``station_csrf_token(client)``: the token to send with a form or as ``X-CSRF-Token``."""

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


# ---- what a test produced: audit entries, receipts, devices --------------------------------


def audit_entries(app: Any, action: str | None = None, plugin: str | None = None) -> list[dict[str, Any]]:
    """The station's audit entries in log order, optionally only one ``action`` or ``plugin``'s.

    Each is the entry as logged — ``action``, ``actor``, ``plugin``, ``object`` (the
    ``object_ref`` given to :func:`sdk.audit`), ``outcome``, ``details``, ``time`` — plus its
    ``index`` in the log (the number printed on receipts).
    """
    with app.app_context():
        entries = [{**json.loads(leaf), "index": index}
                   for index, leaf in enumerate(current_station(app).audit.export())]
    return [e for e in entries if (action is None or e.get("action") == action)
            and (plugin is None or e.get("plugin") == plugin)]


@dataclass(frozen=True)
class PrintedReceipt:
    """One receipt a simulated printer printed (and cut): its text lines and QR code payloads."""

    lines: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The printed text, one line per line."""
        return "\n".join(self.lines)


def _sim_urls(app: Any, kind: str | None = None) -> list[tuple[str, str, str]]:
    """(device id, kind, url) of the station's simulated devices (of ``kind``)."""
    return [(d.id, d.kind.value, d.url) for d in current_station(app).devices.inventory
            if d.url.startswith("sim://") and (kind is None or d.kind.value == kind)]


def _simulator(app: Any, kind: str) -> Any:
    from core.simulation import simulator

    urls = _sim_urls(app, kind)
    if not urls:
        raise LookupError(f"the station has no simulated {kind} (add one to station_factory(devices=[...]))")
    return simulator(urls[0][2])


def printed_receipts(app: Any) -> list[PrintedReceipt]:
    """Every receipt the station's simulated receipt printers printed, oldest first."""
    from core.simulation import simulator

    out = []
    for _, _, url in _sim_urls(app, "receipt_printer"):
        printer: Any = simulator(url)  # a ReceiptPrinterSimulator (the url is a receipt printer's)
        for receipt in printer.receipts:
            lines = [line.text for line in receipt.lines]
            while lines and not lines[-1].strip():  # paper fed before the cut
                lines.pop()
            out.append(PrintedReceipt(lines,
                                      [qr.data.decode("utf-8", "replace") for qr in receipt.qr_codes]))
    return out


def device_profile(app: Any, kind: str, profile: str) -> None:
    """Put the station's simulated ``kind`` device into a fault profile (``"paper_out"``,
    ``"finger_out"``, ``"cuff_error"``, ``"timeout"``, ``"garbage"``...) or back to ``"ok"``.
    The profiles of each kind are listed in docs/hal.md; an unknown one raises ValueError."""
    simulator = _simulator(app, kind)
    simulator.set_profile(profile)
    if kind == "receipt_printer":  # the paper roll is state, not only a profile: make it match
        if profile == "paper_out":
            simulator.paper_lines = 0
        elif profile == "paper_near_end":
            simulator.paper_lines = simulator.options["near_end_at"]
        else:
            simulator.load_paper()


def unplug_device(app: Any, kind: str) -> None:
    """Pull the station's simulated ``kind`` device out (opening it fails until replugged)."""
    _simulator(app, kind).unplug()


def replug_device(app: Any, kind: str) -> None:
    """Plug the station's simulated ``kind`` device back in."""
    _simulator(app, kind).replug()


def device_states(app: Any) -> dict[str, dict[str, str]]:
    """Every device of the station by id: ``{"kind": ..., "status": "READY"|..., "reason": ...}``."""
    with app.app_context():
        return {row["id"]: {"kind": row["kind"], "status": row["status"], "reason": row["reason"]}
                for row in current_station(app).devices.statuses()}


# ---- the sdk 1.0 fixture names (deprecated) --------------------------------------------------


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"the {old!r} fixture of sdk.testing is deprecated since sdk 1.1; use {new!r} "
                  "(the generic name collides with pytest-flask and pytest-django)", DeprecationWarning, stacklevel=3)


class LegacyFixtures:
    """The sdk 1.0 names, registered by :func:`pytest_configure` only when no other plugin
    (pytest-flask, pytest-django) provides a fixture of that name."""

    @pytest.fixture
    def make_station(self, station_factory: Callable[..., Any]) -> Callable[..., Any]:
        """Deprecated: use ``station_factory``."""
        _deprecated("make_station", "station_factory")
        return station_factory

    @pytest.fixture
    def csrf_token(self, station_csrf_token: Callable[[Any], str]) -> Callable[[Any], str]:
        """Deprecated: use ``station_csrf_token``."""
        _deprecated("csrf_token", "station_csrf_token")
        return station_csrf_token


class LegacyClient:
    """The sdk 1.0 ``client`` fixture (not registered when pytest-flask or pytest-django is)."""

    @pytest.fixture
    def client(self, station_app: Any) -> Any:
        """Deprecated: use ``station_client``."""
        _deprecated("client", "station_client")
        return station_app.test_client()


#: pytest plugins that define a ``client`` fixture of their own.
_CLIENT_OWNERS = ("flask", "django", "pytest_flask", "pytest_django")


def pytest_configure(config: pytest.Config) -> None:
    """Register the deprecated 1.0 fixture names where they collide with nothing."""
    manager = config.pluginmanager
    if not manager.has_plugin("citizen_station_legacy"):
        manager.register(LegacyFixtures(), "citizen_station_legacy")
    if not any(manager.has_plugin(name) for name in _CLIENT_OWNERS) and not manager.has_plugin(
            "citizen_station_legacy_client"):
        manager.register(LegacyClient(), "citizen_station_legacy_client")


__all__ = ["FakeClock", "PrintedReceipt", "TemporaryPostgresDatabase", "audit_entries", "device_profile",
           "device_states", "login_citizen", "login_staff", "postgres_admin_url", "postgres_available",
           "printed_receipts", "replug_device", "require_postgres", "station_app", "station_client",
           "station_clock", "station_csrf_token", "station_factory", "unplug_device", "wait_until"]
