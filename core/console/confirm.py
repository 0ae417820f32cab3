"""One confirmation step for every destructive console action.

A destructive action's button leads to a page (GET) that names the effect; only the form on
that page (POST with ``confirmed=1`` and the CSRF token) acts. A POST without ``confirmed``
shows the same page instead of acting, so no button acts at once.
"""

from __future__ import annotations

from flask import render_template, request, url_for


def confirmed() -> bool:
    """Whether this request is the confirmation page's own POST."""
    return request.method == "POST" and request.form.get("confirmed") == "1"


def confirm_page(title: str, effect: str, action: str, button: str, page: str,
                 fields: dict[str, str] | None = None, back: str | None = None) -> str:
    """The page that names what ``action`` (a URL that takes POST) will do."""
    return render_template("console/confirm.html", title=title, effect=effect, action=action, button=button,
                           page=page, fields=fields or {}, back=back or url_for("console.index"))
