"""Where a page may send the browser next: same-site paths only (no open redirect)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# A path on this site: starts with one "/" and then anything but a second "/" or "\" (browsers
# read "\" as "/", so "/\evil.example" is "//evil.example": another site). Printable ASCII only:
# control characters (CR, LF — header injection — TAB, NUL) and non-ASCII are refused.
_SAME_SITE_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def is_same_site_path(target: str | None) -> bool:
    """True when ``target`` is a path on this site that is safe to redirect or navigate to."""
    if not target or not _SAME_SITE_PATH.fullmatch(target) or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` when it is a same-site path, otherwise ``default``."""
    return target if is_same_site_path(target) else default
