"""``station payments ...``: reconcile, list payments, show manager alerts.

The lead registers :data:`payments_group` on the ``station`` command.
"""

from __future__ import annotations

import json

import click

from core.audit.api import os_actor
from core.payments.reconcile import DEFAULT_OLDER_THAN, reconcile
from core.station import current_station

OPEN_STATES = ("PENDING", "UNKNOWN")


def _app(ctx: click.Context):  # type: ignore[no-untyped-def]
    from core.cli_context import station_app

    return station_app(ctx)


@click.group("payments")
def payments_group() -> None:
    """Payments: settle unknown outcomes, list payments, manager alerts."""


@payments_group.command("reconcile")
@click.option("--older-than", type=click.FloatRange(min=0), default=DEFAULT_OLDER_THAN, show_default=True,
              help="Treat a card payment still authorising after this many seconds as interrupted.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def payments_reconcile(ctx: click.Context, older_than: float, as_json: bool) -> None:
    """Ask the terminal or bank about every payment whose outcome is unknown and settle it.

    Never starts a new charge. Exits 1 when some payments could not be settled yet
    (the terminal or bank did not answer); run it again later.
    """
    app = _app(ctx)
    with app.app_context():
        unreachable = _card_payments_behind_in_process_simulator(app)
        if unreachable:
            click.echo(f"refused: {len(unreachable)} card payment(s) are open, and the card terminal is an "
                       "in-process simulator (sim://) that lives inside the running station: this command "
                       "would ask a fresh simulator that never saw them and could mark a charged payment "
                       "FAILED. Nothing was decided; the running station reconciles them itself "
                       "(every minute). Payment ids: " + ", ".join(map(str, unreachable)), err=True)
            ctx.exit(1)
        report = reconcile(app.extensions["payments"], older_than=older_than, actor=os_actor())
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    else:
        click.echo(f"succeeded: {len(report.succeeded)}  failed: {len(report.failed)}  "
                   f"still unknown: {len(report.still_unknown)}  plugins told: {len(report.notified)}")
        for payment_id in report.still_unknown:
            click.echo(f"  payment {payment_id}: terminal or bank did not answer; try again later")
    if report.still_unknown:
        ctx.exit(1)


@payments_group.command("list")
@click.option("--state", type=click.Choice(["PENDING", "SUCCEEDED", "FAILED", "UNKNOWN"]), default=None)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.pass_context
def payments_list(ctx: click.Context, state: str | None, limit: int) -> None:
    """Recent payments (ids, amounts, states — no personal data)."""
    from core.payments.models import PaymentRecord

    app = _app(ctx)
    with app.app_context():
        query = PaymentRecord.select().order_by(PaymentRecord.id.desc()).limit(limit)
        if state:
            query = query.where(PaymentRecord.state == state)
        for p in query:
            click.echo(f"{p.id:>8} {p.state:<10} {p.method or '-':<7} {int(p.amount_vnd):>14,} VND "
                       f"{p.plugin}:{p.purpose} {p.reference}")


@payments_group.command("alerts")
@click.pass_context
def payments_alerts(ctx: click.Context) -> None:
    """Open manager alerts (printer out of paper, transfers to refund)."""
    app = _app(ctx)
    with app.app_context():
        for alert in app.extensions["payments"].open_alerts():
            click.echo(f"{alert.id:>6} {alert.kind:<18} {alert.object_ref or '-':<24} {alert.message_en}")


def _card_payments_behind_in_process_simulator(app) -> list[int]:  # type: ignore[no-untyped-def]
    """Open card payments, when the site's terminal is a ``sim://`` simulator this process cannot reach.

    A ``sim://`` device is served inside the process that opened it: the running station's
    simulator holds the charges; a command-line process would get a new, empty one.
    """
    from core.payments.models import METHOD_CARD, PaymentRecord
    from core.simulation import is_live

    config = current_station(app).config
    if not any(d["kind"] == "payment_terminal" and d["url"].startswith("sim://") and not is_live(d["url"])
               for d in config.devices):
        return []
    rows = (PaymentRecord.select(PaymentRecord.id)
            .where((PaymentRecord.method == METHOD_CARD) & PaymentRecord.state.in_(OPEN_STATES))
            .order_by(PaymentRecord.id))
    return [row.id for row in rows]
