"""Fee payment through the station's payment service (``sdk.payments``).

The one seam between dossiers and money: :func:`start_fee_payment` starts a payment for a
dossier's fee and :func:`payment_succeeded` asks whether it went through. Both go through
``sdk.payments`` (``start_payment`` / ``get_payment``); when a station runs without the
payment service the fee step reports :class:`PaymentsUnavailable` instead of failing.
"""

from __future__ import annotations

import importlib
from typing import Any

from sdk import StationError, pick

PURPOSE = "admin.fee"


class PaymentsUnavailable(StationError):
    """This station cannot take payments (no payment service installed)."""

    http_status = 503


def payments() -> Any:
    """The ``sdk.payments`` module, or None when the station has no payment service."""
    try:
        return importlib.import_module("sdk.payments")
    except ImportError:
        return None


def start_fee_payment(*, dossier_id: int, procedure_code: str, procedure_name: dict[str, str], fee_vnd: int,
                      idempotency_key: str, return_url: str) -> Any:
    """Start paying the fee of dossier ``dossier_id``; returns the sdk Payment (``pay_url``)."""
    module = payments()
    if module is None:
        raise PaymentsUnavailable(pick("Trạm chưa có dịch vụ thanh toán; vui lòng nộp lệ phí tại cơ quan giải quyết.",
                                       "This station cannot take payments yet; please pay the fee at the authority."))
    return module.start_payment(
        amount_vnd=fee_vnd, purpose=PURPOSE, reference=f"dossier:{dossier_id}",
        idempotency_key=idempotency_key,
        description={"vi": f"Lệ phí thủ tục {procedure_code} — {procedure_name['vi']}",
                     "en": f"Fee for procedure {procedure_code} — {procedure_name['en']}"},
        return_url=return_url,
        receipt_lines=[(pick("Mã thủ tục", "Procedure code"), procedure_code)])


def payment_succeeded(payment_id: str | None) -> bool:
    """True when the payment ``payment_id`` (of the citizen at the terminal) has SUCCEEDED."""
    module = payments()
    if module is None or not payment_id:
        return False
    return module.get_payment(payment_id).state == "SUCCEEDED"


def dossier_id_of(payment: Any) -> int | None:
    """The dossier a settled payment of this plugin was for (from its reference)."""
    reference = str(getattr(payment, "reference", "") or "")
    if getattr(payment, "purpose", None) != PURPOSE or not reference.startswith("dossier:"):
        return None
    try:
        return int(reference.split(":", 1)[1])
    except ValueError:
        return None
