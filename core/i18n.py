"""Language of the current request and the translation function.

Vietnamese is the default; English is one tap away (``?lang=en`` or the language button,
remembered in the session). ``_()`` marks every user-visible string for translation.
"""

from __future__ import annotations

from flask import g, has_request_context, request, session

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def current_language() -> str:
    """The language chosen for this session (Vietnamese unless changed)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    cached = g.get("_station_language")
    if cached is None:
        chosen = request.args["lang"] if "lang" in request.args else session.get("lang")
        cached = g._station_language = chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE
    return cached


def _(text: str, **values: object) -> str:
    """Translate ``text`` (catalogues arrive with the kiosk UI) and fill ``%(name)s`` values."""
    return text % values if values else text


def pick(vi: str, en: str) -> str:
    """Choose between a Vietnamese and an English string for the current language."""
    return en if current_language() == "en" else vi
