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
  on-screen keyboard) once per language and catalogue, then reuses the markup.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from core.i18n import current_language, gettext

URL_CACHE_LIMIT = 4096  # different URLs remembered per process (a page builds a few dozen)


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


def fragment_renderer(app: Flask) -> Any:
    """``shell_fragment(name)``: a template that depends only on the language, rendered once per
    language and catalogue (a plugin's catalogue may reword core strings inside its pages)."""
    cache: dict[tuple[str, str, str], Markup] = {}

    def shell_fragment(name: str) -> Markup:
        blueprint = (request.blueprint or "").split(".")[0] if has_request_context() else ""
        domains = app.extensions.get("station_translations") or {}
        key = (name, current_language(), blueprint if blueprint in domains else "")
        markup = cache.get(key)
        if markup is None:
            markup = cache[key] = Markup(app.jinja_env.get_template(name).render())  # nosec B704 # output of an autoescaped template
        return markup

    return shell_fragment


def install_render_cache(app: Flask) -> None:
    """Replace ``_`` and ``url_for`` of ``app``'s templates and offer ``shell_fragment``
    (after :func:`core.i18n.install_translations`)."""
    app.jinja_env.globals["_"] = template_gettext
    app.jinja_env.globals["url_for"] = caching_url_for(app)
    app.jinja_env.globals["shell_fragment"] = fragment_renderer(app)
