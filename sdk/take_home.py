"""Things a citizen takes home go to their phone, never onto the kiosk's disk (new in sdk 1.4).

    from sdk.take_home import Document, register_take_home, phone_link_page

    register_take_home("fhir", title_vi="Kết quả khám (FHIR)", title_en="Screening results (FHIR)",
                       produce=lambda citizen_id: Document(json_text, "application/fhir+json", "kham.json"),
                       summary=lambda citizen_id: ["KẾT QUẢ KHÁM", ("Huyết áp", "120/80 mmHg")],
                       category="health")

    @bp.route("/history/fhir", methods=["GET", "POST"])
    @requires("healthcare.use", step_up=True)
    def history_fhir():
        return phone_link_page("fhir", back=url_for("healthcare.history"))

``register_take_home`` is called once when the plugin's module is imported; the kind is named
``<plugin>.<name>``. ``phone_link_page`` is returned by the plugin's own (protected) view: a
QR code of a short-lived signed link (10 minutes unless ``minutes`` says otherwise) at the
station's public URL, a "print a summary" button when the kind has a ``summary`` (a POST to
the same view), and "Back". The link carries no personal data or id; opening it on the phone
calls ``produce(citizen_id)`` for that citizen only, records the read in the citizen's access
log ("who looked at my data") and writes the audit entry ``take_home.opened``. An altered link
gets a 403 page, an expired one a 410 page, in the citizen's language.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from core.take_home import DEFAULT_MINUTES, Document, Kind, Line, register_kind
from core.take_home.web import phone_link_page as _core_page


def _plugin_of_module(module: str) -> str:
    """``plugins.healthcare.views`` → ``healthcare``; an external plugin's top package name."""
    parts = module.split(".")
    return parts[1] if parts[0] == "plugins" and len(parts) > 1 else parts[0]


def register_take_home(name: str, *, title_vi: str, title_en: str, produce: Callable[[int], Document],
                       summary: Callable[[int], Iterable[Line]] | None = None, minutes: int = DEFAULT_MINUTES,
                       category: str = "personal") -> str:
    """Register a kind of take-home document of the calling plugin; returns its full name.

    ``produce(citizen_id)`` makes the document when the phone opens the link; ``summary``
    (optional) gives the printed lines (text or ``(label, value)``); ``category`` is the data
    category recorded in the citizen's access log.
    """
    caller = sys._getframe(1).f_globals.get("__name__", "")
    plugin = _plugin_of_module(caller)
    kind = register_kind(Kind(f"{plugin}.{name}", plugin, title_vi, title_en, produce, summary, minutes, category))
    return kind.name


def phone_link_page(name: str, back: str | None = None) -> tuple[str, int]:
    """The kiosk page with a new phone link for the logged-in citizen (return it from a view)."""
    caller = sys._getframe(1).f_globals.get("__name__", "")
    full = name if "." in name else f"{_plugin_of_module(caller)}.{name}"
    return _core_page(full, back)


__all__ = ["Document", "Line", "phone_link_page", "register_take_home"]
