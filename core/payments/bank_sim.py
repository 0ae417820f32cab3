"""SIMULATOR of the station's bank: receives VietQR transfers "made" on a simulated phone.

The demo citizen opens the phone page (``/pay/sim/bank``), which shows the VietQR payload the
kiosk displays (as a banking app would after scanning it) and a *Confirm transfer* button.
Confirming decodes the payload, checks that it pays the station's merchant account, books
the transfer here (table ``bank_sim_transfers``, so it survives restarts like a bank's books)
and notifies the station with a signed notification, exactly as a real bank's webhook would.
The station can also find the transfer by polling :meth:`BankSimulator.transfer_for`.

Everything here is labelled as simulated; no money moves.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

import peewee

from core.audit.log import transaction
from core.errors import UserInputError
from core.payments.bank import BankConnector, BankTransfer, MerchantAccount
from core.payments.models import BankSimTransfer
from core.payments.vietqr import decode_vietqr

#: The simulated merchant: BIN 999999 is not a NAPAS member (real BINs are 970xxx-971xxx), so no
#: real banking app can pay a demo QR code by mistake — before, the demo pointed at a Vietcombank
#: BIN and an account number that could exist.
SIMULATED_BIN = "999999"
DEFAULT_MERCHANT = MerchantAccount(bin=SIMULATED_BIN, account="0000000000",
                                   name="TRAM CONG DAN SO (MO PHONG)")


def ensure_book() -> None:
    """Create the simulator's book if this database has none: simulator tables exist only where
    a simulator runs (core migration 0015 removed the unused ones)."""
    BankSimTransfer.create_table(safe=True)


class TransferRefused(UserInputError):
    """The simulated bank app will not make this transfer (wrong account, no amount...)."""


class BankSimulator(BankConnector):
    """The embedded bank (see the module docstring)."""

    simulated = True
    label = {"vi": "Ngân hàng mô phỏng — không có tiền thật được chuyển",
             "en": "Simulated bank — no real money moves"}

    def __init__(self, settings: Mapping[str, Any]) -> None:
        settings = dict(settings)
        settings.setdefault("webhook_secret", secrets.token_hex(32))  # per process: the sim signs its own
        super().__init__(settings)
        ensure_book()

    @property
    def merchant(self) -> MerchantAccount:
        return MerchantAccount(bin=str(self.settings.get("bin", DEFAULT_MERCHANT.bin)),
                               account=str(self.settings.get("account", DEFAULT_MERCHANT.account)),
                               name=str(self.settings.get("merchant_name", DEFAULT_MERCHANT.name)))

    def transfer_for(self, transfer_code: str) -> BankTransfer | None:
        row = (BankSimTransfer.select().where(BankSimTransfer.transfer_code == transfer_code)
               .order_by(BankSimTransfer.id).first())
        return None if row is None else _transfer(row)

    def receive(self, payload: str, clock: Callable[[], float]) -> BankTransfer:
        """The phone confirmed a transfer for the scanned ``payload``: book it.

        Raises :class:`TransferRefused` (or a VietQR decoding error) naming the problem.
        """
        qr = decode_vietqr(payload.strip())
        merchant = self.merchant
        if (qr.bin, qr.account) != (merchant.bin, merchant.account):
            raise TransferRefused("this QR code pays another account, not this station's")
        if qr.amount is None or not qr.purpose:
            raise TransferRefused("this QR code has no amount or no payment code")
        txn_id = f"SIM{secrets.token_hex(6).upper()}"
        try:
            with transaction():
                row = BankSimTransfer.create(bank_txn_id=txn_id, transfer_code=qr.purpose, bin=qr.bin,
                                             account=qr.account, amount_vnd=qr.amount, received_at=clock())
        except peewee.IntegrityError:  # pragma: no cover - 48 random bits
            raise TransferRefused("the simulated bank is busy; try again") from None
        return _transfer(row)


def _transfer(row: BankSimTransfer) -> BankTransfer:
    return BankTransfer(row.bank_txn_id, row.transfer_code, int(row.amount_vnd), float(row.received_at))
