"""THE plugin contract of Citizen Station.

Every service at the station — including the core's own extras — is a pluggy plugin of
project ``citizen_station``. A plugin module implements any of the hooks below with the
``sdk.hookimpl`` marker; the station calls each plugin's implementation inside a guard, so
a plugin that raises is marked FAILED (or its contribution skipped) and never takes the
station down. Hooks receive keyword arguments only; an implementation may accept fewer
arguments than the spec lists.

Which implementation is called:

* *per plugin* hooks (``register_routes``, ``startup``, ``shutdown``, ``settings_schema``,
  ``cli_commands``, ``payment_settled``) are called for one plugin at a time;
* *collecting* hooks (``home_tiles``, ``manager_panels``, ``citizen_data_export``,
  ``citizen_data_erase``) are called for every active plugin, results gathered by plugin id;
* *observer* hooks (``audit_event``) are called after the fact and cannot change anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # typed hook arguments without importing the station at run time
    import click
    from marshmallow import Schema

    from core.audit.log import AuditEvent
    from core.identity.views import CitizenView
    from core.payments.service import PaymentView
    from core.plugins import RouteRegistrar
    from core.station import StationInfo
    from core.tiles import Panel, Tile

PROJECT_NAME = "citizen_station"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def register_routes(registrar: RouteRegistrar) -> None:
    """Add the plugin's Flask blueprints: ``registrar.add_blueprint(bp)``.

    Blueprints are mounted under ``/s/<plugin id>/``. Every view must declare its access
    with ``sdk.requires(permission, ...)`` or opt out with ``sdk.public``; a plugin with a view
    that declares nothing is FAILED at load and none of its routes is mounted (default deny). A permission that the manifest
    does not define makes the plugin FAILED at load, with the view named in the reason.
    """


@hookspec
def home_tiles(citizen: CitizenView | None) -> list[Tile]:
    """Tiles for the kiosk home screen: a list of ``sdk.Tile``.

    ``citizen`` is the logged-in citizen (``sdk.CitizenView``) or ``None`` for a visitor.
    Tiles are grouped by the plugin's manifest category and sorted by ``order``.
    """


@hookspec
def manager_panels() -> list[Panel]:
    """Panels for the station manager console: a list of ``sdk.Panel``."""


@hookspec
def startup(station: StationInfo) -> None:
    """The station has loaded the plugin and applied its migrations.

    ``station`` is an ``sdk.StationInfo`` (site id, names, the plugin's settings). Open
    connectors here. Raising marks the plugin FAILED and unmounts its routes.
    """


@hookspec
def shutdown(station: StationInfo) -> None:
    """The station is stopping (or the plugin is being disabled): close what startup opened."""


@hookspec
def settings_schema() -> Schema | None:
    """A marshmallow ``Schema`` class for the plugin's per-site settings.

    Optional: the manifest's ``[[settings]]`` table is enough for simple settings. When
    both exist, this schema validates and the manifest supplies labels and defaults.
    """


@hookspec
def citizen_data_export(citizen: CitizenView) -> dict[str, Any] | None:
    """Everything the plugin holds about ``citizen`` as JSON-ready data (data-subject access)."""


@hookspec
def citizen_data_erase(citizen: CitizenView) -> None:
    """Erase what the plugin holds about ``citizen`` (data-subject erasure).

    Called inside the erasure transaction; raising aborts the whole erasure.
    """


@hookspec
def payment_settled(payment: PaymentView) -> None:
    """A payment this plugin started has reached a final state (SUCCEEDED or FAILED)."""


@hookspec
def audit_event(event: AuditEvent) -> None:
    """An audit entry was committed. Read-only observers (dashboards, alerts)."""


@hookspec
def planning_counts(period_start: float, period_end: float) -> list[dict[str, Any]] | None:
    """Counts for planners over ``[period_start, period_end)`` (epoch seconds), sent to the
    fleet hub and published there only with differential privacy (docs/open-data.md).

    Return ``[{"statistic": "bp_category", "cell": {"category": "grade_1"}, "count": 3}, ...]``:
    counts only, never a row about a person. Count each person at most once per statistic in
    the period (e.g. their latest screening), so that one person changes one cell by one.
    Statistic and cell names: lower-case ``[a-z0-9_]``; cell values short text; at most 4
    cell fields. ``demand``, ``data_quality``, ``emergency`` and ``session_time`` are the
    core's own statistics and refused here. (sdk 1.3; cells broken down further, e.g.
    ``{"category", "age_band", "sex"}``, since 1.5)
    """


@hookspec
def open_observations(since: float, until: float) -> list[dict[str, Any]] | None:
    """Environmental observations taken in ``[since, until)`` for open data (fleet hub,
    OGC SensorThings): ``[{"sensor": "geiger_counter", "quantity": "dose_rate", "unit": "µSv/h",
    "time": 1790000000.0, "value": 0.12, "exceeds": False}, ...]``; ``exceeds`` marks a value over
    the site's warning threshold (the hub raises an alert). Never personal data. (sdk 1.3)
    """


@hookspec
def citizen_records(identity: Any) -> list[dict[str, Any]] | None:
    """What this plugin's partner system holds about the identified citizen, to compare with
    the chip card ("accurate-clean-live"). ``identity`` is :func:`sdk.verified_identity`'s
    object. Return ``[{"system": "simbank_kyc", "name": {"vi": ..., "en": ...},
    "fields": {"full_name": ..., "date_of_birth": "YYYY-MM-DD", "sex": "male"|"female",
    "address": ...}, "correctable": ["address", ...]}]`` (only the fields the system holds;
    ``correctable``: those it accepts an update of from the station). (sdk 1.3)

    Optional keys (sdk 1.5): ``"pending": {field: reference}`` — update requests already sent
    and not applied yet (shown with their reference; not sent again); ``"labels": {field:
    {"vi": ..., "en": ...}}`` — how the system names its field (``"Địa chỉ trên hoá đơn
    điện"``), used in the sentence the citizen reads.
    """


@hookspec
def record_correction(system: str, field: str, value: str) -> dict[str, Any] | None:
    """The citizen confirmed that ``system`` should take the chip card's ``value`` for
    ``field``: send the update request to the partner system. Return ``{"reference": str,
    "applied": bool}`` (``applied``: the system has already taken it), or None when
    ``system`` is not this plugin's. The station audits the request. (sdk 1.3)
    """


@hookspec
def cli_commands(group: click.Group) -> None:
    """Add ``station`` sub-commands: ``group`` is the plugin's own click group
    (``station <plugin id> ...``)."""
