"""Errors of the payment service: each says what happened and what the citizen can do."""

from __future__ import annotations

from core.errors import NotFoundError, StationError, UserInputError
from core.text import Text


class PaymentError(UserInputError):
    """Base of payment errors (HTTP 400 unless said otherwise); ``vi`` is the Vietnamese text."""

    code = "payment_error"

    def __init__(self, en: str | Text, vi: str | None = None) -> None:
        if isinstance(en, Text):
            super().__init__(en)
            self.vi = en.vi
        else:  # the 1.0 form: English message, Vietnamese beside it (exc.text has both)
            super().__init__(en)
            self.vi = vi or en


class InvalidPaymentRequest(PaymentError):
    """A plugin asked for a payment with a wrong amount, purpose, key or URL."""

    code = "invalid_payment_request"


class IdempotencyConflict(PaymentError):
    """The idempotency key was already used for a different payment request."""

    http_status = 409
    code = "idempotency_conflict"


class ObjectUnavailable(PaymentError):
    """What the request pays is already paid, or is being paid in another citizen's payment.

    (When the citizen at the terminal already has a payment for exactly these objects the
    service returns that payment instead: "continue paying" or "already paid".)
    """

    http_status = 409
    code = "object_unavailable"


class PaymentNotFound(NotFoundError):
    """No payment with this id for this citizen."""

    code = "payment_not_found"

    def __init__(self) -> None:
        super().__init__("There is no such payment for you at this station.")
        self.vi = "Không có khoản thanh toán này của bạn tại trạm."


class PaymentClosed(PaymentError):
    """The payment is finished or already being paid another way."""

    http_status = 409
    code = "payment_closed"


class MethodUnavailable(PaymentError):
    """The chosen way to pay is not available at this station right now."""

    http_status = 409
    code = "method_unavailable"


class TerminalError(StationError):
    """The card terminal could not be used (nothing was charged)."""

    http_status = 503
    code = "terminal_unavailable"
