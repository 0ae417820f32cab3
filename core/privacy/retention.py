"""Retention: delete personal data older than its category's retention period.

Periods are days per data category (``personal``, ``health``, ``biometric``, ``financial``,
``location``) plus ``access_log`` for the station's own access records. They come from the
site configuration — ``[privacy] retention_days = {health = 365, access_log = 730}`` in
``station.toml`` (see :func:`retention_from_config`) — or are passed in directly. A category
without a period is kept.

Each :class:`~core.privacy.fields.PersonalDataModel` of a loaded plugin with a
``timestamp_field`` is purged by that field; a model without one is reported as
``not_purgeable``. One purge is one transaction with its ``privacy.purge`` audit entry
(counts per category, no ids); ``dry_run`` counts without deleting or auditing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import peewee

from core.audit.api import record as audit_record
from core.audit.log import transaction
from core.errors import UserInputError
from core.manifest import DATA_CATEGORIES
from core.privacy.access_log import AccessRecord
from core.privacy.fields import PersonalDataModel, personal_models

ACCESS_LOG_CATEGORY = "access_log"
RETENTION_CATEGORIES = (*DATA_CATEGORIES, ACCESS_LOG_CATEGORY)
DAY = 86400


@dataclass
class PurgeReport:
    """Rows deleted (or, in a dry run, that would be) per category and per table."""

    dry_run: bool
    deleted: dict[str, int] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    not_purgeable: list[str] = field(default_factory=list)
    audit_index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def validate_retention(retention_days: Mapping[str, Any]) -> dict[str, int]:
    """Check a ``{category: days}`` mapping; :class:`UserInputError` names the bad entry."""
    checked = {}
    for category, days in retention_days.items():
        if category not in RETENTION_CATEGORIES:
            raise UserInputError(f"retention_days: unknown category {category!r}; use one of "
                                 f"{', '.join(RETENTION_CATEGORIES)}")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise UserInputError(f"retention_days.{category}: must be a whole number of days, at least 1")
        checked[category] = days
    return checked


def retention_from_config(config: Any) -> dict[str, int]:
    """``[privacy] retention_days`` of the site configuration (empty until the section exists)."""
    section = getattr(config, "privacy", None) or {}
    return validate_retention(section.get("retention_days", {}) if isinstance(section, Mapping) else {})


def purge(retention_days: Mapping[str, int], now: float, dry_run: bool = False, actor: str | None = None,
          models: list[type[PersonalDataModel]] | None = None) -> PurgeReport:
    """Delete rows older than their category's period (inside an app context)."""
    periods = validate_retention(retention_days)
    report = PurgeReport(dry_run, {category: 0 for category in periods})
    with transaction():
        for model in _unique_tables(models if models is not None else personal_models()):
            days = periods.get(model.data_category)
            if days is None or not model.table_exists():
                continue
            if not model.timestamp_field:
                report.not_purgeable.append(model._meta.table_name)
                continue
            stamp = model._meta.fields[model.timestamp_field]
            old = stamp < _cutoff(stamp, now - days * DAY)
            count = model.select().where(old).count() if dry_run else model.delete().where(old).execute()
            report.deleted[model.data_category] += count
            report.tables[model._meta.table_name] = count
        if ACCESS_LOG_CATEGORY in periods:
            old = AccessRecord.at < now - periods[ACCESS_LOG_CATEGORY] * DAY
            query = AccessRecord.select().where(old)
            count = query.count() if dry_run else AccessRecord.delete().where(old).execute()
            report.deleted[ACCESS_LOG_CATEGORY] = count
            report.tables[AccessRecord._meta.table_name] = count
        if not dry_run:
            report.audit_index = audit_record("privacy.purge", plugin="core", object_ref="retention", actor=actor,
                                              details=dict(report.deleted)).index
    return report


def _unique_tables(models: list[type[PersonalDataModel]]) -> list[type[PersonalDataModel]]:
    seen: dict[str, type[PersonalDataModel]] = {}
    for model in models:
        seen[model._meta.table_name] = model  # a re-imported module replaces its older class
    return list(seen.values())


def _cutoff(stamp: peewee.Field, epoch: float) -> Any:
    if isinstance(stamp, peewee.DateTimeField):
        return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)  # naive UTC, as stored
    return epoch
