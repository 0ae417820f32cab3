"""Faster template helpers for the kiosk layout, which every page renders.

Profiling the full kiosk page (docs/performance.md) showed most of its time in rendering
``base.html``: two dozen ``_()`` calls, a dozen ``url_for`` calls, the on-screen keyboard
built key by key, and flask-login's per-request work. What is here keeps the same results
and does that work once instead of on every page:

* ``_`` in templates calls the station's gettext directly (Jinja's i18n alias added a second
  context call and always ran ``%`` formatting, even with nothing to format);
* ``url_for`` in templates remembers URLs that depend only on the endpoint, its arguments
  and the application root (no ``_external``/``_anchor``/… options), so building
  ``url_for('static', filename='station.css')`` is a dictionary lookup after the first page;
* ``shell_fragment(name)`` renders a template that depends only on the language (the
  on-screen keyboard) once per language and catalogue, then reuses the markup;
* ``shell_part(name)`` renders a part of the layout around a page's content (``shell/*.html``:
  head links, header and toolbar, footer and idle dialog) once per language, catalogue and
  layout state (logged in or not, display preferences, read-aloud, …), with placeholders for
  the three things that differ from page to page — the CSRF token, the page's path and the
  citizen's name — which are put in, escaped, on every page;
* ``{% import "sdk/icons.html" as icons %}`` reuses the imported macros without Jinja
  comparing the page's globals with the macro template's key by key on every import
  (:class:`StationTemplate`; a page imports two or three macro templates).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request, session
from jinja2 import Template, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from core.i18n import current_language, gettext

URL_CACHE_LIMIT = 4096  # different URLs remembered per process (a page builds a few dozen)
SHELL_CACHE_LIMIT = 512  # layout states remembered per process (a site uses a few dozen)
# Placeholders in a cached layout part; characters HTML escaping leaves alone.
CSRF_SLOT = "@@station-shell-csrf@@"
PATH_SLOT = "@@station-shell-path@@"
NAME_SLOT = "@@station-shell-name@@"
# What a layout part may depend on, from the page's template context (app and blueprint
# context processors fill these in; a value missing from the context counts as None).
SHELL_STATE = ("lang", "site_name", "simulated", "logged_in", "idle_seconds", "citizen_logged_in",
               "my_data_url", "read_aloud_available")


class StationTemplate(Template):
    """A Jinja template whose default module (what ``{% import %}`` hands out) is found faster.

    Jinja decides whether an import may reuse the cached module by computing, on every import,
    which globals of the importing page the imported template lacks (a set difference against a
    ChainMap, key by key). The answer depends only on the set of the page's global names, so it
    is remembered per set; the module handed out is the same as Jinja's.
    """

    def _get_default_module(self, ctx: Context | None = None) -> Any:
        if ctx is None or self.environment.is_async:
            return super()._get_default_module(ctx)
        known: dict[frozenset[str], bool] = self.__dict__.setdefault("_station_lacks_globals", {})
        names = frozenset(ctx.globals_keys)
        lacks = known.get(names)
        if lacks is None:
            lacks = bool(names - self.globals.keys())
            if len(known) < 64:
                known[names] = lacks
        if lacks:  # Jinja builds a fresh module with the page's extra globals
            return super()._get_default_module(ctx)
        if self._module is None:
            self._module = self.make_module()
        return self._module


@pass_context
def template_gettext(context: Context, text: str, **values: Any) -> str:
    """``_()`` in templates: translated, autoescaped like Jinja's newstyle gettext."""
    translated = gettext(text)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # nosec B704 # the station's own catalogue text, as Jinja's newstyle gettext does
    if values or "%" in translated:
        return translated % values
    return translated


def caching_url_for(app: Flask) -> Any:
    """``url_for`` for templates that remembers URLs built from plain arguments."""
    cache: dict[tuple[Any, ...], str] = {}
    build = app.url_for

    def url_for(endpoint: str, **values: Any) -> str:
        if not has_request_context() or any(key.startswith("_") for key in values):
            return build(endpoint, **values)  # outside a request (CLI, mail) or with options
        try:
            key = (request.script_root, request.blueprint if endpoint.startswith(".") else None, endpoint,
                   *sorted(values.items()))
            hash(key)
        except TypeError:  # an unhashable argument: build it every time
            return build(endpoint, **values)
        url = cache.get(key)
        if url is None:
            url = build(endpoint, **values)
            if len(cache) < URL_CACHE_LIMIT:
                cache[key] = url
        return url

    return url_for


def _translation_domain(app: Flask) -> str:
    """The plugin whose catalogue serves this request's strings ("" for the core's)."""
    blueprint = (request.blueprint or "").split(".")[0] if has_request_context() else ""
    domains = app.extensions.get("station_translations") or {}
    return blueprint if blueprint in domains else ""


def fragment_renderer(app: Flask) -> Any:
    """``shell_fragment(name)``: a template that depends only on the language, rendered once per
    language, catalogue (a plugin's catalogue may reword core strings inside its pages) and
    application root (its links)."""
    cache: dict[tuple[str, str, str, str], Markup] = {}

    def shell_fragment(name: str) -> Markup:
        key = (name, current_language(), _translation_domain(app), request.script_root if has_request_context() else "")
        markup = cache.get(key)
        if markup is None:
            markup = cache[key] = Markup(app.jinja_env.get_template(name).render())  # nosec B704 # output of an autoescaped template
        return markup

    return shell_fragment


def _placeholder_csrf() -> str:
    return CSRF_SLOT


def part_renderer(app: Flask, domain_of: Any) -> Any:
    """``shell_part(name)``: a layout part, rendered once per state, with this page's CSRF token,
    path and citizen name put in its placeholders."""
    cache: dict[tuple[Any, ...], str] = {}

    @pass_context
    def shell_part(context: Context, name: str) -> Markup:
        state = {key: context.get(key) for key in SHELL_STATE}
        state["text_large"] = session.get("text_size") == "large"
        state["contrast_high"] = session.get("contrast") == "high"
        state["card_login"] = session.get("_method") == "card"
        citizen_name = context.get("citizen_name")
        key = (name, request.script_root, domain_of(), bool(citizen_name), *state.values())
        text = cache.get(key)
        if text is None:
            text = app.jinja_env.get_template(name).render(
                state, csrf_token=_placeholder_csrf, next_path=PATH_SLOT,
                citizen_name=NAME_SLOT if citizen_name else None)
            if len(cache) < SHELL_CACHE_LIMIT:
                cache[key] = text
        csrf_token = context.get("csrf_token")
        if CSRF_SLOT in text:
            text = text.replace(CSRF_SLOT, str(escape(csrf_token() if csrf_token else "")))
        if PATH_SLOT in text:
            text = text.replace(PATH_SLOT, str(escape(request.full_path.rstrip("?"))))
        if citizen_name:
            text = text.replace(NAME_SLOT, str(escape(citizen_name)))
        return Markup(text)  # nosec B704 # an autoescaped template's output; the slots are filled escaped

    return shell_part


def install_render_cache(app: Flask) -> None:
    """Replace ``_`` and ``url_for`` of ``app``'s templates and offer ``shell_fragment``
    (after :func:`core.i18n.install_translations`)."""
    app.jinja_env.template_class = StationTemplate
    if app.jinja_env.cache is not None:  # a template loaded before this point gets the class too
        app.jinja_env.cache.clear()
    app.jinja_env.globals["_"] = template_gettext
    app.jinja_env.globals["url_for"] = caching_url_for(app)
    app.jinja_env.globals["shell_fragment"] = fragment_renderer(app)
    app.jinja_env.globals["shell_part"] = part_renderer(app, lambda: _translation_domain(app))
