"""Language of the current request and the translation function (Flask-Babel catalogues).

Vietnamese is the default; English is one tap away (``?lang=en`` or the language button,
remembered in the session). ``_()`` marks every user-visible string for translation: the
message ids are English and ``core/translations/vi/LC_MESSAGES/messages.po`` holds the
Vietnamese. A plugin may ship its own catalogues in ``<plugin>/translations/<lang>/LC_MESSAGES/
messages.po``; inside that plugin's requests its catalogue is consulted first, then the core's.
The ``.mo`` files are compiled and committed (``pybabel compile -d core/translations``); a test
checks that every committed ``.mo`` matches its ``.po``. See ``docs/ui.md``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
CORE_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
TRANSLATIONS_FOLDER = "translations"


def current_language() -> str:
    """The language chosen for this session (Vietnamese unless changed)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    cached = g.get("_station_language")
    if cached is None:
        chosen = request.args["lang"] if "lang" in request.args else session.get("lang")
        cached = g._station_language = chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE
    return cached


def _domain_for_request():
    """The Flask-Babel domain of the plugin serving this request, else the core's."""
    domains = current_app.extensions.get("station_translations")
    if not domains:
        return None
    if has_request_context() and request.blueprint:
        plugin_domain = domains.get(request.blueprint.split(".")[0])
        if plugin_domain is not None:
            return plugin_domain
    return domains.get("")


def _translations():
    """The catalogue for this request, looked up once per request (pages call ``_`` dozens of times)."""
    if has_request_context():
        cached = g.get("_station_translations")
        if cached is None:
            domain = _domain_for_request()
            cached = g._station_translations = domain.get_translations() if domain is not None else False
        return cached or None
    domain = _domain_for_request()
    return domain.get_translations() if domain is not None else None


def gettext(text: str) -> str:
    """``text`` translated into the current language (unchanged when no catalogue has it)."""
    if not has_app_context():
        return text
    translations = _translations()
    return translations.ugettext(text) if translations is not None else text


def ngettext(singular: str, plural: str, count: int) -> str:
    """Singular or plural form of a message, translated."""
    if not has_app_context():
        return singular if count == 1 else plural
    translations = _translations()
    if translations is None:
        return singular if count == 1 else plural
    return translations.ungettext(singular, plural, count)


def _(text: str, **values: object) -> str:
    """Translate ``text`` and fill ``%(name)s`` values."""
    translated = gettext(text)
    return translated % values if values else translated


def pick(vi: str, en: str) -> str:
    """Choose between a Vietnamese and an English string for the current language."""
    return en if current_language() == "en" else vi


def plugin_translation_dirs(plugin_paths: dict[str, Path | None]) -> dict[str, Path]:
    """The ``translations`` folder of each plugin that ships one, by plugin id."""
    found = {}
    for plugin_id, path in plugin_paths.items():
        folder = path / TRANSLATIONS_FOLDER if path is not None else None
        if folder is not None and folder.is_dir():
            found[plugin_id] = folder
    return found


def install_translations(app: Flask, plugin_paths: dict[str, Path | None] | None = None) -> None:
    """Set up Flask-Babel on ``app``: locale from :func:`current_language`, core and plugin
    catalogues, and ``_``/``gettext``/``ngettext`` in every template."""
    from flask_babel import Babel, Domain

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(CORE_TRANSLATIONS))
    Babel(app, locale_selector=current_language)
    domains = {"": Domain(translation_directories=[str(CORE_TRANSLATIONS)])}
    for plugin_id, folder in plugin_translation_dirs(plugin_paths or {}).items():
        # later directories override earlier ones: the plugin's wording wins in its pages
        domains[plugin_id] = Domain(translation_directories=[str(CORE_TRANSLATIONS), str(folder)])
    app.extensions["station_translations"] = domains
    # newstyle: ``{{ _('Hello %(name)s', name=x) }}`` formats and autoescapes; ``_`` is gettext
    app.jinja_env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True)
