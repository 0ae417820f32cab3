"""The consent ledger: per citizen, plugin, data category and purpose; silence is not consent.

What a plugin may process is declared in its manifest (``[[data]]``: category + purpose in
Vietnamese and English). The citizen grants or withdraws consent per plugin and category on
the kiosk; each event is appended to ``privacy_consent`` with the time, the plugin version and
the *wording hash* — SHA-256 of the canonical JSON of the purposes shown — so when a plugin
changes what it says it does, earlier consent no longer counts and the citizen is asked again.

Each event and its audit entry (``consent.grant`` / ``consent.withdraw``, object
``<plugin>:<category>``, ids only) commit in one transaction. :func:`ensure_consent`,
:func:`require_consent` and the :class:`~core.privacy.fields.PersonalDataModel` guard refuse
processing without current consent with :class:`ConsentRequired` (HTTP 403).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import flask_login
import peewee
from flask import current_app, g, has_request_context, request

from core.audit.api import record as audit_record
from core.audit.log import transaction
from core.db import BaseModel
from core.errors import LoginRequired, NotFoundError, PermissionDenied
from core.i18n import pick
from core.manifest import Manifest
from core.privacy.access_log import BASIS_SUBJECT_REQUEST, current_basis
from core.station import current_station

GRANT = "grant"
WITHDRAW = "withdraw"
CATEGORY_NAMES = {
    "personal": {"vi": "thông tin cá nhân", "en": "personal information"},
    "health": {"vi": "sức khỏe", "en": "health"},
    "biometric": {"vi": "sinh trắc học", "en": "biometric"},
    "financial": {"vi": "tài chính", "en": "financial"},
    "location": {"vi": "vị trí", "en": "location"},
}
F = TypeVar("F", bound=Callable[..., Any])


class ConsentEvent(BaseModel):
    """One grant or withdrawal (the ledger is append-only until the citizen is erased)."""

    citizen_id = peewee.IntegerField()
    plugin_id = peewee.CharField(max_length=64)
    category = peewee.CharField(max_length=32)
    action = peewee.CharField(max_length=16)
    wording_hash = peewee.CharField(max_length=64)
    plugin_version = peewee.CharField(max_length=64)
    language = peewee.CharField(max_length=8)
    at = peewee.DoubleField()

    class Meta:
        table_name = "privacy_consent"


class ConsentRequired(PermissionDenied):
    """The citizen has not (or no longer) agreed to this plugin processing this category."""

    def __init__(self, plugin_id: str, category: str, plugin_name: dict[str, str] | None = None,
                 purposes: list[dict[str, str]] | None = None) -> None:
        self.plugin_id, self.category = plugin_id, category
        name = plugin_name or {"vi": plugin_id, "en": plugin_id}
        what = CATEGORY_NAMES.get(category, {"vi": category, "en": category})
        vi_purpose = "; ".join(p["vi"] for p in purposes or []) or "—"
        en_purpose = "; ".join(p["en"] for p in purposes or []) or "—"
        super().__init__(pick(
            f"Dịch vụ «{name['vi']}» cần bạn đồng ý cho xử lý dữ liệu {what['vi']} với mục đích: {vi_purpose}. "
            "Bạn có thể đồng ý hoặc rút lại sự đồng ý ở mục «Dữ liệu của tôi».",
            f"The service “{name['en']}” needs your consent to process your {what['en']} data for: "
            f"{en_purpose}. You can give or withdraw it under “My data”."))


@dataclass(frozen=True)
class ConsentState:
    """Where one citizen stands with one plugin and category."""

    plugin_id: str
    category: str
    purposes: list[dict[str, str]]
    wording_hash: str
    granted: bool
    granted_wording_hash: str | None
    changed_at: float | None
    plugin_version: str | None

    @property
    def wording_changed(self) -> bool:
        """Consent was given to an earlier wording: it does not count, ask again."""
        return self.granted_wording_hash is not None and self.granted_wording_hash != self.wording_hash

    @property
    def current(self) -> bool:
        return self.granted and not self.wording_changed

    def as_dict(self) -> dict[str, Any]:
        return {"plugin": self.plugin_id, "category": self.category, "purposes": self.purposes,
                "wording_hash": self.wording_hash, "granted": self.current,
                "wording_changed": self.wording_changed, "plugin_version": self.plugin_version,
                "changed_at": _iso(self.changed_at)}


def declared_purposes(manifest: Manifest) -> dict[str, list[dict[str, str]]]:
    """The manifest's ``[[data]]`` entries grouped by category, purposes in manifest order."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for use in manifest.data:
        grouped.setdefault(use["category"], []).append({"vi": use["purpose"]["vi"], "en": use["purpose"]["en"]})
    return grouped


def wording_hash(purposes: list[dict[str, str]]) -> str:
    """SHA-256 (hex) of the canonical JSON of the purposes shown to the citizen."""
    text = json.dumps(purposes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _manifest(plugin_id: str) -> Manifest:
    record = current_station().plugins.records.get(plugin_id)
    if record is None or record.manifest is None:
        raise NotFoundError(f"no plugin {plugin_id!r} with a valid manifest on this station")
    return record.manifest


def purposes_for(plugin_id: str, category: str) -> tuple[Manifest, list[dict[str, str]]]:
    """The plugin's manifest and its purposes for ``category``; :class:`NotFoundError` if undeclared."""
    manifest = _manifest(plugin_id)
    purposes = declared_purposes(manifest).get(category)
    if not purposes:
        raise NotFoundError(f"plugin {plugin_id} does not declare the data category {category!r} in its manifest")
    return manifest, purposes


def _latest_events(citizen_id: int) -> dict[tuple[str, str], ConsentEvent]:
    latest: dict[tuple[str, str], ConsentEvent] = {}
    for event in ConsentEvent.select().where(ConsentEvent.citizen_id == citizen_id).order_by(ConsentEvent.id):
        latest[(event.plugin_id, event.category)] = event
    return latest


def _state(plugin_id: str, category: str, purposes: list[dict[str, str]],
           event: ConsentEvent | None) -> ConsentState:
    granted = event is not None and event.action == GRANT
    return ConsentState(plugin_id, category, purposes, wording_hash(purposes), granted,
                        event.wording_hash if granted else None, event.at if event else None,
                        event.plugin_version if event else None)


def current_consents(citizen_id: int) -> list[ConsentState]:
    """Every category every active plugin declares, with the citizen's current answer."""
    latest = _latest_events(citizen_id)
    states = []
    for record in current_station().plugins.active():
        for category, purposes in declared_purposes(record.manifest).items():
            states.append(_state(record.id, category, purposes, latest.get((record.id, category))))
    return states


def consent_history(citizen_id: int) -> list[dict[str, Any]]:
    """Every grant and withdrawal of the citizen, oldest first (for the export)."""
    return [{"plugin": e.plugin_id, "category": e.category, "action": e.action, "wording_hash": e.wording_hash,
             "plugin_version": e.plugin_version, "language": e.language, "at": _iso(e.at)}
            for e in ConsentEvent.select().where(ConsentEvent.citizen_id == citizen_id).order_by(ConsentEvent.id)]


def has_consent(citizen_id: int, plugin_id: str, category: str) -> bool:
    """True only with a current grant for today's wording of the plugin's purpose."""
    cache = _cache()
    key = (int(citizen_id), plugin_id, category)
    if cache is not None and key in cache:
        return cache[key]
    try:
        _, purposes = purposes_for(plugin_id, category)
    except NotFoundError:
        return False
    event = (ConsentEvent.select()
             .where((ConsentEvent.citizen_id == citizen_id) & (ConsentEvent.plugin_id == plugin_id)
                    & (ConsentEvent.category == category))
             .order_by(ConsentEvent.id.desc()).first())
    answer = _state(plugin_id, category, purposes, event).current
    if cache is not None:
        cache[key] = answer
    return answer


def grant(citizen_id: int, plugin_id: str, category: str, language: str = "vi",
          actor: str | None = None) -> ConsentState:
    """Record the citizen's consent to the wording shown now (audited in the same transaction)."""
    return _change(citizen_id, plugin_id, category, GRANT, language, actor)


def withdraw(citizen_id: int, plugin_id: str, category: str, language: str = "vi",
             actor: str | None = None) -> ConsentState:
    """Record the withdrawal of consent (audited); processing is refused from now on."""
    return _change(citizen_id, plugin_id, category, WITHDRAW, language, actor)


def _change(citizen_id: int, plugin_id: str, category: str, action: str, language: str,
            actor: str | None) -> ConsentState:
    manifest, purposes = purposes_for(plugin_id, category)
    hashed = wording_hash(purposes)
    with transaction():
        latest = (ConsentEvent.select()
                  .where((ConsentEvent.citizen_id == citizen_id) & (ConsentEvent.plugin_id == plugin_id)
                         & (ConsentEvent.category == category))
                  .order_by(ConsentEvent.id.desc()).first())
        state = _state(plugin_id, category, purposes, latest)
        unchanged = state.current if action == GRANT else not state.granted
        if unchanged:  # e.g. another request granted it meanwhile: forget what this one cached
            cache = _cache()
            if cache is not None:
                cache.clear()
            return state
        now = current_app.config["STATION_CLOCK"]()
        event = ConsentEvent.create(citizen_id=citizen_id, plugin_id=plugin_id, category=category, action=action,
                                    wording_hash=hashed, plugin_version=manifest.version,
                                    language=language if language in ("vi", "en") else "vi", at=now)
        audit_record(f"consent.{action}", plugin="core", object_ref=f"{plugin_id}:{category}", actor=actor,
                     details={"subject": f"citizen:{citizen_id}", "wording": hashed[:16],
                              "plugin_version": manifest.version})
    cache = _cache()
    if cache is not None:
        cache.clear()
    return _state(plugin_id, category, purposes, event)


def guard_processing(citizen_id: int, plugin_id: str, category: str) -> None:
    """Refuse processing ``category`` of ``citizen_id`` by ``plugin_id`` without current consent.

    A data-subject request (export, erasure) is its own legal basis and passes.
    """
    if current_basis() == BASIS_SUBJECT_REQUEST:
        return
    if not has_consent(citizen_id, plugin_id, category):
        try:
            manifest, purposes = purposes_for(plugin_id, category)
            raise ConsentRequired(plugin_id, category, manifest.name, purposes)
        except NotFoundError:
            raise ConsentRequired(plugin_id, category) from None


def ensure_consent(category: str, citizen_id: int | None = None, plugin_id: str | None = None) -> None:
    """The function form of :func:`require_consent`: raise :class:`ConsentRequired` unless the
    citizen (default: the one at the terminal) consented to the plugin (default: the route's)
    processing ``category``."""
    if citizen_id is None:
        user = flask_login.current_user if has_request_context() else None
        if user is None or not user.is_authenticated or getattr(user, "kind", None) != "citizen":
            raise LoginRequired(pick("Vui lòng xác thực bằng thẻ căn cước hoặc ứng dụng VNeID trước.",
                                     "Please identify yourself with your chip ID card or the VNeID app first."))
        citizen_id = user.citizen_id
    if plugin_id is None:
        from core.plugin_context import acting_plugin

        plugin_id = acting_plugin()
    if plugin_id is None and has_request_context() and request.blueprint:
        plugin_id = request.blueprint.split(".")[0]
    if plugin_id is None:
        raise ValueError("ensure_consent outside a plugin route needs plugin_id")
    guard_processing(citizen_id, plugin_id, category)


def require_consent(category: str) -> Callable[[F], F]:
    """Decorate a plugin view: the citizen at the terminal must have consented to ``category``.

    Staff pages pass (each row a staff member opens is checked by the data guard instead).
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = flask_login.current_user
            if not (user.is_authenticated and getattr(user, "kind", None) == "staff"):
                ensure_consent(category)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def _cache() -> dict[tuple[int, str, str], bool] | None:
    if not has_request_context():
        return None
    if "_privacy_consent" not in g:
        g._privacy_consent = {}
    return g._privacy_consent


def _iso(at: float | None) -> str | None:
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
