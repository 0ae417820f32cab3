"""The station's Flask classes: the application, its request and its login manager.

Each keeps Flask's (werkzeug's, flask-login's) behaviour and drops work the station does not
need on every request; docs/performance.md says what each saves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask_login
from flask import Flask, Request, current_app, g, session
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.http import parse_cookie
from werkzeug.routing import Rule
from werkzeug.utils import cached_property

from core.identity.principals import current_principal


class LazyBuilderRule(Rule):
    """A URL rule whose URL builder is compiled the first time a URL is built with it.

    werkzeug compiles two Python functions per rule (through ``ast``) when the rule is added —
    about a tenth of the station's start for ~300 rules, most of which never build a URL in a
    given process. Matching is compiled as before; only building waits for its first use.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_builder = super()._compile_builder
        compiled: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            if not compiled:  # two threads may both compile: the same function, harmless
                compiled.append(compile_builder(append_unknown).__get__(rule, None))
            return compiled[0](**values)

        return build


class StationRequest(Request):
    """Flask's request, reading cookies straight from the WSGI environ's ``HTTP_COOKIE``.

    werkzeug finds the Cookie header by walking every header of the environ; the station reads
    its session cookie on every request, so it looks up the one key (the parsed result is the same).
    """

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        return parse_cookie(self.environ.get("HTTP_COOKIE"), cls=self.dict_storage_class)  # type: ignore[return-value]


class StationFlask(Flask):
    """Flask, remembering which of its request functions are plain (not ``async def``).

    Flask asks ``inspect.iscoroutinefunction`` about every before/after-request function,
    context processor and view on every request (about 16 times a kiosk page); the answer
    for a given function never changes.
    """

    url_rule_class = LazyBuilderRule
    request_class = StationRequest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_functions: set[Callable[..., Any]] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if func in self._plain_functions:
            return func
        wrapped = super().ensure_sync(func)
        if wrapped is func and len(self._plain_functions) < 4096:
            self._plain_functions.add(func)
        return wrapped


class StationLoginManager(flask_login.LoginManager):
    """flask-login, finding the user only in the server-side session.

    The station issues no remember-me cookie and has no request or header loader: a kiosk must
    not log anyone in from a cookie left in its browser. So flask-login's other ways in (and
    its after-request refresh of a remember cookie) are left out, and its session protection,
    which hashes the client's address and user agent on every request, is off (sessions are
    server-side and rotated at login).
    """

    def init_app(self, app: Flask, add_context_processor: bool = True) -> None:
        app.login_manager = self  # type: ignore[attr-defined]
        if add_context_processor:
            app.context_processor(lambda: {"current_user": current_principal()})

    def _load_user(self) -> None:
        flask_login.user_accessed.send(current_app._get_current_object())
        user_id = session.get("_user_id")
        user = self._user_callback(user_id) if user_id is not None and self._user_callback else None
        g._login_user = user if user is not None else self.anonymous_user()
