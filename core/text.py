"""One bilingual text type: what the station says, in Vietnamese and in English.

``Text(vi=..., en=...)`` is carried by :class:`core.errors.StationError` (``exc.text``) and
offered to plugins as ``sdk.Text``; ``str(text)`` is the text in the current request's
language (Vietnamese by default). It replaces the three ways messages were made bilingual —
``(en, vi)`` exception arguments, ``pick(vi, en)`` and hand-set ``.vi`` attributes — which are
still understood (``StationError.text`` reads them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Text:
    """A text in both station languages; ``str()`` gives the current language's."""

    vi: str
    en: str

    def __str__(self) -> str:
        from core.i18n import current_language

        return self.in_language(current_language())

    def in_language(self, language: str) -> str:
        """The text in ``language`` (``"en"``; anything else is Vietnamese)."""
        return self.en if language == "en" else self.vi

    def __mod__(self, values: Any) -> Text:
        """``Text(...) % {"n": 3}`` fills ``%(n)s`` in both languages."""
        return Text(vi=self.vi % values, en=self.en % values)

    def as_dict(self) -> dict[str, str]:
        """``{"vi": ..., "en": ...}`` (JSON, manifests)."""
        return {"vi": self.vi, "en": self.en}

    @classmethod
    def of(cls, value: Text | str | Mapping[str, str]) -> Text:
        """A :class:`Text` from a Text, a ``{"vi", "en"}`` mapping, or one string for both."""
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            return cls(vi=value, en=value)
        return cls(vi=str(value["vi"]), en=str(value.get("en") or value["vi"]))
