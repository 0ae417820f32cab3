"""Helpers shared by the payment tests (imported as ``payment_helpers``)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from core.identity.models import Citizen
from core.payments.service import PaymentRequest


def ensure_citizen(citizen_id: int) -> None:
    """A citizen row for ``citizen_id`` (a payer's data key belongs to a known citizen)."""
    Citizen.insert(id=citizen_id, id_hash=f"test-payer-{citizen_id}", created_at=0.0).on_conflict_ignore().execute()


def payment_request(citizen_id: int = 1, key: str | None = None, amount: int = 150_000,
                    reference: str = "fee:1", plugin: str = "fx_payee") -> PaymentRequest:
    """A valid request from the test plugin (the payer exists: their data key seals the description)."""
    ensure_citizen(citizen_id)
    return PaymentRequest(payer_citizen_id=citizen_id, plugin=plugin, purpose="fx.fee", reference=reference,
                          amount_vnd=amount, idempotency_key=key or secrets.token_urlsafe(16),
                          description={"vi": "Phí thử nghiệm", "en": "Test fee"}, return_url="/s/fx_payee/done",
                          receipt_lines=(("Số hồ sơ", "HS-001"),))


def payee_module(app):
    """The loaded fx_payee plugin module (its SETTLED list records payment_settled calls)."""
    return app.extensions["station"].plugins.records["fx_payee"].module


def terminal_sim(app):
    """The simulated terminal of ``app`` (its ledger proves how often a card was charged)."""
    from hal.sim import control

    url = next(d["url"] for d in app.extensions["station"].devices.statuses() if d["kind"] == "payment_terminal")
    return control.simulator(url)


def printer_sim(app):
    """The simulated receipt printer of ``app`` (its ``receipts`` are what it printed)."""
    from hal.sim import control

    url = next(d["url"] for d in app.extensions["station"].devices.statuses() if d["kind"] == "receipt_printer")
    return control.simulator(url)


def audit_entries(app, object_ref=None):
    """Audit entries as dicts, optionally only those about ``object_ref``."""
    import json

    with app.app_context():
        entries = [json.loads(leaf) for leaf in app.extensions["station"].audit.export()]
    return [e for e in entries if object_ref is None or e["object"] == object_ref]


def at_once(app, count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(slot)`` in ``count`` threads released together, each in an app context with
    its own database connection; the results (or the exceptions raised) by slot."""
    from core import db

    barrier = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def run(slot: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                outcomes[slot] = work(slot)
            except Exception as exc:  # noqa: BLE001 — the caller asserts on it
                outcomes[slot] = exc
            finally:
                db.database.close()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes
