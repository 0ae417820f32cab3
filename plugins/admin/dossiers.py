"""What happens to a dossier: start, fill in, attach, pay, submit, follow — each business
change committed together with its audit entry (details carry references, never personal data)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sdk import NotFoundError, UserInputError, audit, now, pick, transaction
from sdk.connectors import ConnectorUnavailable
from sdk.uploads import CheckedUpload

from .catalogue import Procedure
from .connector import DossierStatus, Submission, UnknownDossier, portal
from .models import AWAITING_PAYMENT, DRAFT, PAID, SUBMITTED, Attachment, Dossier, UploadLink


def start_dossier(citizen_id: int, procedure: Procedure) -> Dossier:
    """A new draft dossier for ``procedure``."""
    with transaction():
        dossier = Dossier(citizen_id=citizen_id, procedure_code=procedure.code, stage=DRAFT,
                          fee_vnd=procedure.fee_vnd, created_at=now())
        dossier.save()
        audit("admin.dossier_started", object_ref=f"dossier:{dossier.id}",
              details={"procedure": procedure.code})
    return dossier


def require_stage(dossier: Dossier, *stages: str) -> None:
    """Refuse (400) an action the dossier's stage no longer allows."""
    if dossier.stage not in stages:
        raise UserInputError(pick("Hồ sơ này đã được nộp, không sửa được nữa.",
                                  "This dossier has already been submitted and can no longer be changed."))


def save_form(dossier: Dossier, data: dict[str, Any]) -> None:
    """Store the validated form (encrypted)."""
    require_stage(dossier, DRAFT, AWAITING_PAYMENT)
    with transaction():
        dossier.form = data
        dossier.save()
        audit("admin.form_saved", object_ref=f"dossier:{dossier.id}")


def attachments_of(dossier: Dossier) -> list[Attachment]:
    return list(Attachment.select().where(Attachment.dossier_id == dossier.id).order_by(Attachment.id))


def add_attachment(dossier: Dossier, document_key: str, content: bytes, checked: CheckedUpload,
                   source: str) -> Attachment:
    """Attach a checked file to the dossier's document ``document_key`` (replacing an earlier one)."""
    require_stage(dossier, DRAFT, AWAITING_PAYMENT)
    with transaction():
        for old in Attachment.select().where((Attachment.dossier_id == dossier.id)
                                             & (Attachment.document_key == document_key)):
            old.delete_instance()
        attachment = Attachment(citizen_id=dossier.citizen_id, dossier_id=dossier.id, document_key=document_key,
                                mime_type=checked.mime_type, size=checked.size, source=source, created_at=now())
        attachment.content = base64.b64encode(content).decode("ascii")
        attachment.save()
        audit("admin.attachment_added", object_ref=f"dossier:{dossier.id}",
              details={"document": document_key, "type": checked.kind, "bytes": checked.size, "source": source})
    return attachment


def remove_attachment(dossier: Dossier, attachment_id: int) -> None:
    require_stage(dossier, DRAFT, AWAITING_PAYMENT)
    attachment = Attachment.get_or_none((Attachment.id == attachment_id) & (Attachment.dossier_id == dossier.id))
    if attachment is None:
        raise NotFoundError("Not found.")
    with transaction():
        attachment.delete_instance()
        audit("admin.attachment_removed", object_ref=f"dossier:{dossier.id}",
              details={"document": attachment.document_key})


def missing_documents(procedure: Procedure, dossier: Dossier) -> list[str]:
    """Keys of the required documents the dossier does not have yet."""
    present = {a.document_key for a in Attachment.select(Attachment.document_key)
               .where(Attachment.dossier_id == dossier.id)}
    return [d.key for d in procedure.documents if d.required and d.key not in present]


# -- phone upload links ---------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_upload_link(dossier: Dossier, document_key: str, minutes: int, token: str | None = None) -> str:
    """A one-time token for the citizen's phone, valid ``minutes``, bound to this draft and
    document. Only its hash is stored. Earlier unused links of the same document are revoked."""
    require_stage(dossier, DRAFT, AWAITING_PAYMENT)
    token = token or secrets.token_urlsafe(24)
    with transaction():
        UploadLink.delete().where((UploadLink.dossier_id == dossier.id) & (UploadLink.document_key == document_key)
                                  & (UploadLink.used_at.is_null())).execute()
        UploadLink.create(token_hash=_token_hash(token), dossier_id=dossier.id, document_key=document_key,
                          expires_at=now() + minutes * 60)
        audit("admin.upload_link_created", object_ref=f"dossier:{dossier.id}",
              details={"document": document_key, "minutes": minutes})
    return token


def _link_problem() -> UserInputError:
    error = UserInputError(pick("Liên kết tải lên không còn hiệu lực (đã dùng hoặc hết hạn). "
                                "Vui lòng quét mã QR mới trên máy trạm.",
                                "This upload link is no longer valid (used or expired). "
                                "Please scan a new QR code at the station."))
    error.http_status = 410
    return error


def open_upload_link(token: str) -> tuple[UploadLink, Dossier]:
    """The link and its dossier, if the token is valid, unused, unexpired and the dossier a draft."""
    link = UploadLink.get_or_none(UploadLink.token_hash == _token_hash(token or ""))
    if link is None or link.used_at is not None or now() >= link.expires_at:
        raise _link_problem()
    dossier = Dossier.get_or_none(Dossier.id == link.dossier_id)
    if dossier is None or dossier.stage not in (DRAFT, AWAITING_PAYMENT):
        raise _link_problem()
    return link, dossier


def use_upload_link(token: str, content: bytes, checked: CheckedUpload) -> Attachment:
    """Attach the phone's file and spend the link (once)."""
    with transaction():
        link, dossier = open_upload_link(token)
        updated = UploadLink.update(used_at=now()).where((UploadLink.id == link.id)
                                                          & UploadLink.used_at.is_null()).execute()
        if updated != 1:
            raise _link_problem()
        return add_attachment(dossier, link.document_key, content, checked, "phone")


# -- fee and submission ---------------------------------------------------------------------

def mark_paid(dossier: Dossier, payment_id: str) -> bool:
    """Record that the fee is paid (idempotent); True if this call changed the dossier."""
    with transaction():
        changed = Dossier.update(stage=PAID).where((Dossier.id == dossier.id) & (Dossier.stage == AWAITING_PAYMENT)
                                                   & (Dossier.payment_id == payment_id)).execute()
        if changed:
            audit("admin.fee_paid", object_ref=f"dossier:{dossier.id}",
                  details={"payment": payment_id, "amount_vnd": dossier.fee_vnd})
    return bool(changed)


def await_payment(dossier: Dossier, payment_id: str) -> None:
    with transaction():
        dossier.stage, dossier.payment_id = AWAITING_PAYMENT, str(payment_id)
        Dossier.update(stage=AWAITING_PAYMENT, payment_id=str(payment_id)).where(Dossier.id == dossier.id).execute()
        audit("admin.fee_payment_started", object_ref=f"dossier:{dossier.id}",
              details={"payment": str(payment_id), "amount_vnd": dossier.fee_vnd})


def submit(dossier: Dossier, procedure: Procedure) -> Dossier:
    """File the dossier with the portal; it must have a valid form and a paid (or no) fee."""
    if dossier.stage == SUBMITTED:
        return dossier
    if dossier.form is None:
        raise UserInputError(pick("Vui lòng điền tờ khai trước.", "Please fill in the form first."))
    if dossier.fee_vnd > 0 and dossier.stage != PAID:
        raise UserInputError(pick("Lệ phí chưa được thanh toán.", "The fee has not been paid yet."))
    attachments = attachments_of(dossier)
    submission = Submission(
        procedure_code=procedure.code, processing_working_days=procedure.processing_working_days,
        form=dict(dossier.form), documents=tuple((a.document_key, a.mime_type, a.size) for a in attachments),
        missing_required=len(missing_documents(procedure, dossier)), fee_paid_vnd=dossier.fee_vnd)
    try:
        receipt = portal().submit(submission, now())
    except ConnectorUnavailable:
        with transaction():
            audit("admin.dossier_submitted", object_ref=f"dossier:{dossier.id}", outcome="failed",
                  details={"procedure": procedure.code, "reason": "portal_unavailable"})
        raise
    with transaction():
        Dossier.update(stage=SUBMITTED, dossier_code=receipt.dossier_code, status="received",
                       status_seen="received", appointment_date=receipt.appointment_date.isoformat(),
                       submitted_at=receipt.received_at).where(Dossier.id == dossier.id).execute()
        audit("admin.dossier_submitted", object_ref=f"dossier:{dossier.id}",
              details={"procedure": procedure.code, "dossier_code": receipt.dossier_code,
                       "attachments": len(attachments)})
    return Dossier.get_by_id(dossier.id)


# -- following ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Followed:
    """A submitted dossier with its live portal status and whether that is news to the citizen."""

    dossier: Dossier
    status: DossierStatus | None
    changed: bool


def live_status(dossier_code: str) -> DossierStatus | None:
    """The portal's status now (None when the portal does not know the code or is down)."""
    try:
        return portal().status(dossier_code, now())
    except (UnknownDossier, ConnectorUnavailable):
        return None


def submitted_dossiers(citizen_id: int) -> Any:
    """The query of the citizen's submitted dossiers, newest first."""
    return (Dossier.select().where((Dossier.citizen_id == citizen_id) & (Dossier.stage == SUBMITTED))
            .order_by(Dossier.submitted_at.desc(), Dossier.id.desc()))


def followed_dossiers(citizen_id: int, rows: Any = None) -> list[Followed]:
    """The citizen's submitted dossiers (or ``rows`` of them, e.g. one page), newest first, with
    live statuses."""
    rows = submitted_dossiers(citizen_id) if rows is None else rows
    result = []
    for row in rows:
        status = live_status(row.dossier_code)
        changed = status is not None and status.status != row.status_seen
        result.append(Followed(row, status, changed))
    return result


def notice_count(citizen_id: int) -> int:
    """How many of the citizen's dossiers changed status since they last looked."""
    return sum(1 for item in followed_dossiers(citizen_id) if item.changed)


def acknowledge(citizen_id: int) -> int:
    """The citizen has seen the current statuses: remember them (no more notice until the next change)."""
    count = 0
    with transaction():
        for item in followed_dossiers(citizen_id):
            if item.changed and item.status is not None:
                Dossier.update(status=item.status.status, status_seen=item.status.status)\
                    .where(Dossier.id == item.dossier.id).execute()
                count += 1
        if count:
            audit("admin.notices_seen", object_ref=f"citizen:{citizen_id}", details={"dossiers": count})
    return count
