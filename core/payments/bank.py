"""The bank connector: the station's merchant account and what the bank says about transfers.

A VietQR payment is a NAPAS 247 transfer to the station's account whose purpose (tag 62.08)
carries the payment's *transfer code*. The station learns of a transfer in two ways, and
either is enough: the bank **notifies** it (a signed HTTP POST to ``/pay/bank/notify``,
HMAC-SHA256 over the raw body with the shared ``webhook_secret``), and the station **polls**
the bank (:meth:`BankConnector.transfer_for`) while the citizen waits and during
reconciliation. A real bank integration is a subclass of :class:`BankConnector` named by
``[connectors.bank] kind`` in ``station.toml``; the embedded simulator is
:class:`core.payments.bank_sim.BankSimulator`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from core.errors import StationError, UserInputError


@dataclass(frozen=True)
class MerchantAccount:
    """Where citizens' VietQR transfers go: bank BIN, account number, display name."""

    bin: str
    account: str
    name: str


@dataclass(frozen=True)
class BankTransfer:
    """One transfer the bank received for the merchant account."""

    bank_txn_id: str
    transfer_code: str
    amount_vnd: int
    received_at: float


class BankUnavailable(StationError):
    """The bank did not answer; the payment stays as it is and is asked again later."""

    http_status = 503


class BadNotification(UserInputError):
    """A notification that is not signed by the bank, or not well formed."""

    http_status = 403


class BankConnector:
    """Interface of the bank (see the module docstring)."""

    simulated: bool = False
    label: dict[str, str] = {"vi": "", "en": ""}

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        secret = self.settings.get("webhook_secret", "")
        self.webhook_secret: bytes = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)

    @property
    def merchant(self) -> MerchantAccount:
        """The station's merchant account (``[connectors.bank]`` bin, account, merchant_name)."""
        raise NotImplementedError

    def transfer_for(self, transfer_code: str) -> BankTransfer | None:
        """The transfer received with ``transfer_code`` in its purpose, or None (not yet).

        Raises :class:`BankUnavailable` when the bank cannot be asked now.
        """
        raise NotImplementedError

    def verify_notification(self, body: bytes, signature: str) -> BankTransfer:
        """Check a notification's signature and parse it (:class:`BadNotification` otherwise)."""
        if not self.webhook_secret:
            raise BadNotification("bank notifications are not configured at this station")
        expected = sign_notification(body, self.webhook_secret)
        if not hmac.compare_digest(expected, (signature or "").strip().lower()):
            raise BadNotification("the notification's signature does not match the bank's key")
        try:
            data = json.loads(body)
            return BankTransfer(str(data["bank_txn_id"]), str(data["transfer_code"]),
                                int(data["amount_vnd"]), float(data["received_at"]))
        except (ValueError, KeyError, TypeError):
            raise BadNotification("the notification is not a transfer notice") from None


def notification_body(transfer: BankTransfer) -> bytes:
    """The JSON body of a transfer notification (what a bank POSTs)."""
    return json.dumps(asdict(transfer), sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign_notification(body: bytes, secret: bytes) -> str:
    """Hex HMAC-SHA256 of ``body`` under the shared webhook secret."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()
