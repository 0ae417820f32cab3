"""Banking — built-in plugin operated by a partner bank. Hook implementations only: the wiring."""

from __future__ import annotations

from typing import Any

from flask import url_for

from sdk import Tile, hookimpl

from .models import AccountOpening, DailyUsage, Transfer
from .views import bp


@hookimpl
def register_routes(registrar) -> None:  # type: ignore[no-untyped-def]
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:  # type: ignore[no-untyped-def]
    return [Tile(title={"vi": "Ngân hàng", "en": "Banking"},
                 subtitle={"vi": "Tài khoản, chuyển khoản NAPAS 247, VietQR, sao kê, mở tài khoản",
                           "en": "Accounts, NAPAS 247 transfers, VietQR, statements, account opening"},
                 url=url_for("banking.index"), icon="bank")]


@hookimpl
def citizen_records(identity) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from .kyc import records_for
    from .views import bank

    return records_for(identity, bank())


@hookimpl
def record_correction(system: str, field: str, value: str) -> dict[str, Any] | None:
    from sdk import now, verified_identity

    from .kyc import SYSTEM
    from .views import bank

    connector_ = bank()
    identity = verified_identity()
    if system != SYSTEM or identity is None or not hasattr(connector_, "request_kyc_update"):
        return None
    reference, applied = connector_.request_kyc_update(identity.id_number, field, value, now())
    return {"reference": reference, "applied": applied}


@hookimpl
def citizen_data_export(citizen) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The station's records of the citizen's banking (balances stay with the bank)."""
    transfers = [{"id": t.id, "from_account": t.from_account, "to_bank_bin": t.to_bin, "to_kind": t.to_kind,
                  "to_number_last4": t.to_number_last4, "amount_vnd": t.amount_vnd, "state": t.state,
                  "refusal": t.refusal, "bank_ref": t.bank_ref, "face_check": t.biometric, "at": t.created_at,
                  "audit_index": t.audit_index}
                 for t in Transfer.select().where(Transfer.citizen_id == citizen.id).order_by(Transfer.id)]
    openings = [{"account_number": o.account_number, "opened_at": o.opened_at, "audit_index": o.audit_index}
                for o in AccountOpening.select().where(AccountOpening.citizen_id == citizen.id)]
    return {"transfers": transfers, "accounts_opened": openings}


@hookimpl
def citizen_data_erase(citizen) -> None:  # type: ignore[no-untyped-def]
    """Forget the station's banking records of the citizen (the bank keeps its own books)."""
    Transfer.delete().where(Transfer.citizen_id == citizen.id).execute()
    DailyUsage.delete().where(DailyUsage.citizen_id == citizen.id).execute()
    AccountOpening.delete().where(AccountOpening.citizen_id == citizen.id).execute()
