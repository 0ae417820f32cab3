"""``create_app(config)``: the station's Flask application factory, and nothing else."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core import db
from core.audit.log import AuditEvent, AuditLog
from core.audit.note import NoteSigner
from core.builtins import core_permissions
from core.config import Config, is_simulated, public_base_url
from core.console.settings import apply_saved_settings
from core.console.web import console
from core.devices import StationDevices
from core.i18n import current_language, install_translations
from core.identity.card_login import CardLogin
from core.identity.citizens import CitizenRegistry
from core.identity.principals import current_principal, load_principal
from core.identity.staff import StaffDirectory
from core.identity.vneid import VneidLoginService, provider_from_config
from core.outage import install_outage_handling
from core.payments.web import install_payments
from core.permissions import PermissionPolicy
from core.plugins import ENTRY_POINT_GROUP, PluginManager
from core.privacy.keys import standalone_keys
from core.privacy.web import privacy
from core.records.web import records
from core.secrets import ensure_secrets, read_raw_key, signing_key
from core.sessions import ServerSessionInterface
from core.site import record_site_changes
from core.station import Station
from core.take_home.web import install_take_home
from core.web.assist import assist
from core.web.errors import install_error_handlers
from core.web.guard import check_declared_access, install_guard
from core.web.login import login
from core.web.render_cache import install_render_cache
from core.web.security_headers import install_security_headers
from core.web.shell import shell
from core.web.simulators import install_simulators
from core.web.staff_login import staff
from core.web.station_flask import StationFlask, StationLoginManager
from core.web.transparency import transparency


def create_app(config: Config, *, clock: Callable[[], float] | None = None,
               builtin_dir: Path | None = None, entry_point_group: str = ENTRY_POINT_GROUP) -> Flask:
    """Build a station: open and migrate the database, load plugins, mount routes.

    ``clock`` (epoch seconds) is injected so tests can move time; plugin discovery
    can be changed for tests (another entry-point group, a folder of built-in plugins).
    """
    from sdk import API_VERSION

    clock = clock or time.time
    ensure_secrets(config.secrets_dir)
    database = db.open_database(config.database_url, config.home)
    db.bind_database(database)
    with standalone_keys(config.secrets_dir, clock):  # 0012 encrypts existing payment rows
        db.migrate(db.core_migrations())

    app = StationFlask(__name__, template_folder="web/templates", static_folder="web/static")
    install_security_headers(app)
    install_proxy_support(app, config)
    app.config.update(SECRET_KEY=read_raw_key(config.secrets_dir, "session.key"), STATION_CLOCK=clock,
                      SESSION_COOKIE_SAMESITE="Strict", MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    app.session_interface = ServerSessionInterface(clock, config.sessions["idle_seconds"],
                                                   config.sessions["staff_idle_seconds"],
                                                   config.sessions["absolute_seconds"])
    login_manager = StationLoginManager(app)
    login_manager.session_protection = None
    login_manager.user_loader(load_principal)

    devices = StationDevices(config.devices, config.source)
    citizens = CitizenRegistry(config.secrets_dir, clock)
    plugins = PluginManager(config, API_VERSION, clock, devices, builtin_dir, entry_point_group)
    plugins.discover()
    station = Station(config=config, clock=clock, plugins=plugins, devices=devices,
                      policy=PermissionPolicy(core_permissions() + plugins.manifest_permissions(), config.roles),
                      audit=make_audit_log(config, clock, plugins),
                      staff=StaffDirectory(config.secrets_dir, clock), citizens=citizens,
                      card_login=CardLogin(config.home / config.identity["trust_store"]),
                      vneid=VneidLoginService(config.site_id,
                                              provider_from_config(config.connectors.get("vneid", {}),
                                                                   config.secrets_dir), citizens, clock,
                                              config.secrets_dir))
    app.extensions["station"] = station
    plugins.audit = station.audit
    station.policy.check_site_roles(config.roles, config.source)
    station.audit.check_signing_key()
    record_site_changes(config.site, station.audit, clock())

    install_guard(app)
    install_error_handlers(app)
    install_outage_handling(app)
    install_translations(app, {r.id: r.path for r in plugins.records.values()})
    install_render_cache(app)
    app.register_blueprint(shell)
    app.register_blueprint(assist)
    app.register_blueprint(transparency)
    app.register_blueprint(staff)
    app.register_blueprint(console)
    app.register_blueprint(login)
    install_simulators(app)
    payments = install_payments(app)
    from core.alerts.push import AlertPusher

    pusher = AlertPusher(config.alerts, config.site_id, config.secrets_dir)
    app.extensions["alert_push"] = pusher
    payments.on_alert = pusher.push  # queued for the webhook / e-mail worker; never blocks the request
    app.register_blueprint(privacy)
    app.register_blueprint(records)
    install_take_home(app)
    simulated = is_simulated(config)
    install_formatting_filters(app)

    @app.context_processor
    def layout_context() -> dict[str, object]:
        lang = current_language()

        def pick_for_page(vi: str, en: str) -> str:
            return en if lang == "en" else vi

        user = current_principal()
        logged_in = bool(user and user.is_authenticated)
        idle = config.sessions["idle_seconds"] if logged_in and getattr(user, "kind", "") == "citizen" else 0
        return {"lang": lang, "pick": pick_for_page, "simulated": simulated, "logged_in": logged_in,
                "idle_seconds": idle,
                "site_name": pick_for_page(config.site["name_vi"], config.site["name_en"])}
    with app.app_context():
        apply_saved_settings(station)
        apply_hub_overrides()
        plugins.load(app, station.info_for)
    check_declared_access(app)
    return app


def apply_hub_overrides() -> None:
    """Site values the fleet hub's desired configuration set (public URL, opening hours)."""
    from core.fleet.desired import make_live, stored_overrides

    make_live(stored_overrides())


def install_proxy_support(app: Flask, config: Config) -> None:
    """Behind a TLS-terminating reverse proxy: trust exactly ``[server] trusted_proxies`` hops of
    X-Forwarded-For / X-Forwarded-Proto (werkzeug ProxyFix; the Host header is never trusted).
    A request that arrived over https then gets the Secure ``__Host-`` session cookie and HSTS
    (core.sessions.is_https); ``STATION_PUBLIC_URL`` is the base of links and QR codes."""
    hops = int(config.server.get("trusted_proxies", 0))
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    app.config["STATION_PUBLIC_URL"] = public_base_url(config)


def install_formatting_filters(app: Flask) -> None:
    """Jinja filters ``vnd``, ``number``, ``date``, ``datetime`` and ``timestamp`` (to the second)
    in the page's language and the station's time zone (``[site] timezone``)."""
    from core import formatting
    from core.i18n import pick

    app.jinja_env.globals.update(pick=pick, current_language=current_language)  # for imported macros
    app.jinja_env.filters["vnd"] = lambda v: formatting.format_vnd(v, current_language())
    app.jinja_env.filters["number"] = lambda v, d=0: formatting.format_number(v, current_language(), d)
    zone = app.extensions["station"].config.site.get("timezone") if "station" in app.extensions else None
    zone = zone or formatting.DEFAULT_ZONE
    # epoch seconds, ISO text and aware datetimes are shown in the site's time zone
    app.jinja_env.filters["date"] = lambda v: formatting.format_date(v, current_language(), zone)
    app.jinja_env.filters["datetime"] = lambda v: formatting.format_datetime(v, current_language(), zone)
    app.jinja_env.filters["timestamp"] = lambda v: formatting.format_timestamp(v, current_language(), zone)
    app.jinja_env.globals["station_zone"] = zone
    app.jinja_env.filters["amount_words"] = _amount_words
    app.jinja_env.filters["pager_query"] = _pager_query


def _amount_words(value: object) -> str:
    """The ``amount_words`` filter: digits typed (``"15.000.000"``, ``15000000``) → words in the
    page's language; empty for nothing or something that is not an amount."""
    from core.number_words import MAX_AMOUNT, amount_in_words

    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if not digits or int(digits) > MAX_AMOUNT:
        return ""
    return amount_in_words(int(digits), current_language())


def _pager_query(args: object, number: int) -> str:
    """The query string of ``args`` with ``page=number`` (for the ``ui.pager`` macro)."""
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in args.items(multi=True) if k != "page"]  # type: ignore[attr-defined]
    return urlencode([*pairs, ("page", str(number))])


def make_audit_log(config: Config, clock: Callable[[], float], plugins: PluginManager) -> AuditLog:
    """The audit log, signing checkpoints with the station key and telling observers."""
    seed = signing_key(config.secrets_dir).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    signer = NoteSigner.from_seed(f"citizen-station/{config.site_id}", seed)

    def notify(event: AuditEvent) -> None:
        plugins.call_each("audit_event", event=event)

    return AuditLog(config.site_id, signer, clock, config.audit["checkpoint_every"],
                    config.audit["checkpoint_seconds"], observers=notify)
