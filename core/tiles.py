"""What plugins contribute to screens: home tiles and manager console panels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    """A tile on the kiosk home screen.

    ``title`` is a {"vi": ..., "en": ...} mapping (or a plain string); ``url`` is usually
    ``url_for`` of one of the plugin's views; ``order`` sorts tiles within a category.
    """

    title: dict[str, str] | str
    url: str
    icon: str = "service"
    order: int = 100
    subtitle: dict[str, str] | str | None = None


@dataclass(frozen=True)
class Panel:
    """A panel in the station manager console (title, url of the panel's page)."""

    title: dict[str, str] | str
    url: str
    order: int = 100


def localized(text: dict[str, str] | str | None, lang: str) -> str:
    """Pick the text for ``lang`` from a bilingual mapping (Vietnamese is the fallback)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("vi") or next(iter(text.values()), "")
