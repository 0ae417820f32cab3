"""The station's exception hierarchy.

Every layer raises subclasses of :class:`StationError` with a message a person can act on.
One place maps them to HTTP responses (``core.web.errors``) and one to CLI exit codes
(``core.cli``); nothing else turns exceptions into output.
"""

from __future__ import annotations

from core.text import Text


class StationError(Exception):
    """Base of every error the station reports to a person.

    The message may be a :class:`core.text.Text` (``sdk.Text(vi=..., en=...)``): ``str(exc)``
    is then in the current language and ``exc.text`` has both. ``exc.text`` also works for the
    older forms (an English message with a ``.vi`` attribute, or one string for both).
    """

    http_status = 500
    exit_code = 1

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], Text):
            self._text: Text | None = args[0]
            args = (args[0].en, *args[1:])  # logs and tracebacks keep the English
        super().__init__(*args)

    def __str__(self) -> str:
        text = self.__dict__.get("_text")
        return str(text) if text is not None else Exception.__str__(self)

    @property
    def text(self) -> Text:
        """The message in both languages (the same string twice when only one was given)."""
        explicit = self.__dict__.get("_text")
        if explicit is not None:
            return explicit
        message = Exception.__str__(self)
        return Text(vi=self.__dict__.get("vi") or message, en=self.__dict__.get("en") or message)


class UserInputError(StationError):
    """The request or command line was wrong; the person can fix it."""

    http_status = 400
    exit_code = 2


class ConfigError(UserInputError):
    """The site configuration is invalid: names the file, the key and the problem."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        super().__init__(f"{file}: {key}: {problem}")


class NotFoundError(UserInputError):
    """A named thing (plugin, device, record) does not exist."""

    http_status = 404


class PermissionDenied(StationError):
    """The current user may not do this."""

    http_status = 403
    exit_code = 2


class LoginRequired(StationError):
    """The page needs a logged-in citizen or staff member."""

    http_status = 401
    exit_code = 2


class StaffLoginRequired(LoginRequired):
    """The page is for staff: an anonymous visitor is sent to the staff login."""


class PluginError(StationError):
    """A plugin could not be discovered, validated, loaded or started."""


class ManifestError(PluginError):
    """A plugin manifest is invalid; names the manifest file and the field."""

    exit_code = 2

    def __init__(self, source: str, errors: dict | str) -> None:
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {format_field_errors(errors)}")


class DatabaseError(StationError):
    """The database is unreachable or its schema cannot be brought up to date."""


def format_field_errors(errors: dict | list | str, prefix: str = "") -> str:
    """Flatten marshmallow's nested error dict into ``field.sub: message`` text."""
    if isinstance(errors, str):
        return f"{prefix}: {errors}" if prefix else errors
    if isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            text = "; ".join(errors)
            return f"{prefix}: {text}" if prefix else text
        return "; ".join(format_field_errors(e, prefix) for e in errors)
    parts = []
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        parts.append(format_field_errors(value, path))
    return "; ".join(parts)
