"""One page of a list: every list a citizen or staff member sees goes through :func:`paginate`
(plugins reach it as ``sdk.lists.paginate``; templates show ``{{ ui.pager(page) }}``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import request

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "Page", "paginate"]

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    """One page of a list: ``items`` plus where it stands (numbers start at 1)."""

    items: list[Any]
    number: int
    pages: int
    total: int
    per_page: int

    @property
    def has_prev(self) -> bool:
        """True when there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """True when there is a page after this one."""
        return self.number < self.pages


def paginate(query: Any, per_page: int = DEFAULT_PER_PAGE, page: int | None = None,
             arg: str = "page") -> Page:
    """The ``page`` (default: the ``?page=`` argument, or ``?<arg>=``) of a peewee ``query``
    (one ``COUNT``, one ``LIMIT/OFFSET``) or of a list already in memory, ``per_page`` rows each.
    A bad or too large number gives the last page, never an error."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    if page is None:
        raw = request.args.get(arg, "1")
        page = int(raw) if raw.isdigit() else 1
    total = len(query) if isinstance(query, Sequence) else query.count()
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, page), pages)
    if isinstance(query, Sequence):
        items = list(query[(number - 1) * per_page:number * per_page])
    else:
        items = list(query.paginate(number, per_page))
    return Page(items, number, pages, total, per_page)


