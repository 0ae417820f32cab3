"""What the plugin remembers about the station it runs in (set by the ``startup`` hook)."""

from __future__ import annotations

SITE: dict[str, str] = {"id": "station"}


def remember_site(site_id: str) -> None:
    """Record the site id (used as the namespace of exported FHIR identifiers)."""
    SITE["id"] = site_id


def site_id() -> str:
    """The site id of the running station."""
    return SITE["id"]
