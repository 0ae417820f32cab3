"""Administrative procedures — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from typing import Any

from flask import url_for

from sdk import Tile, hookimpl

from . import dossiers
from .catalogue import load_catalogue
from .fees import dossier_id_of
from .models import AWAITING_PAYMENT, Attachment, Dossier, UploadLink
from .views import bp, tile_subtitle


@hookimpl
def register_routes(registrar: Any) -> None:
    registrar.add_blueprint(bp)


@hookimpl
def startup(station: Any) -> None:
    # A broken procedure file of the manager's folder marks the plugin FAILED, naming the file.
    load_catalogue(station.settings.get("extra_procedures_dir") or None)


@hookimpl
def home_tiles(citizen: Any) -> list[Tile]:
    return [Tile(title={"vi": "Thủ tục hành chính", "en": "Administrative procedures"},
                 subtitle=tile_subtitle(citizen), url=url_for("admin.index"), icon="document")]


@hookimpl
def payment_settled(payment: Any) -> None:
    dossier_id = dossier_id_of(payment)
    if dossier_id is None or payment.state != "SUCCEEDED":
        return
    dossier = Dossier.get_or_none((Dossier.id == dossier_id) & (Dossier.stage == AWAITING_PAYMENT))
    if dossier is not None:
        dossiers.mark_paid(dossier, str(payment.id))


@hookimpl
def citizen_data_export(citizen: Any) -> dict[str, Any]:
    rows = Dossier.select().where(Dossier.citizen_id == citizen.id).order_by(Dossier.id)
    return {"dossiers": [
        {"procedure": row.procedure_code, "stage": row.stage, "dossier_code": row.dossier_code,
         "appointment_date": row.appointment_date, "form": row.form, "fee_vnd": row.fee_vnd,
         "attachments": [{"document": a.document_key, "type": a.mime_type, "bytes": a.size, "source": a.source}
                         for a in Attachment.select().where(Attachment.dossier_id == row.id)]}
        for row in rows]}


@hookimpl
def citizen_data_erase(citizen: Any) -> None:
    ids = [row.id for row in Dossier.select(Dossier.id).where(Dossier.citizen_id == citizen.id)]
    UploadLink.delete().where(UploadLink.dossier_id.in_(ids)).execute()
    Attachment.delete().where(Attachment.citizen_id == citizen.id).execute()
    Dossier.delete().where(Dossier.citizen_id == citizen.id).execute()
