"""Web pages of the administrative procedures service (mounted under /s/admin/)."""

from __future__ import annotations

import functools
import secrets
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from sdk import (
    NotFoundError,
    UserInputError,
    current_citizen,
    current_language,
    get_owned,
    now,
    pick,
    plugin_settings,
    public,
    requires,
    verified_identity,
)
from sdk.devices import DeviceUnavailable, measure
from sdk.lists import limit_rate, paginate
from sdk.privacy import has_consent
from sdk.uploads import check_upload

from . import dossiers as flow
from .catalogue import Procedure, load_catalogue
from .connector import local_date, portal
from .fees import payment_succeeded, payments, start_fee_payment
from .models import AWAITING_PAYMENT, DRAFT, PAID, SUBMITTED, Dossier
from .schemas import SELF_DECLARED, display_value, prefilled, validate_form

bp = Blueprint("admin", __name__, template_folder="templates")

SUBMIT = "admin.submit"
STATUS_NAMES = {
    "received": {"vi": "Đã tiếp nhận", "en": "Received"},
    "processing": {"vi": "Đang giải quyết", "en": "Processing"},
    "needs_more_documents": {"vi": "Cần bổ sung giấy tờ", "en": "Needs more documents"},
    "done": {"vi": "Đã có kết quả", "en": "Done"},
    "rejected": {"vi": "Bị từ chối", "en": "Rejected"},
}


@functools.lru_cache(maxsize=8)
def _catalogue_for(extra_dir: str) -> dict[str, Procedure]:
    return load_catalogue(extra_dir or None)


def catalogue() -> dict[str, Procedure]:
    """The site's procedures (built-in + the manager's folder), loaded once per folder."""
    return _catalogue_for(str(plugin_settings().get("extra_procedures_dir") or ""))


def procedure_or_404(code: str) -> Procedure:
    procedure = catalogue().get(code)
    if procedure is None:
        raise NotFoundError(pick("Không có thủ tục này.", "No such procedure."))
    return procedure


def own_dossier(dossier_id: int) -> tuple[Dossier, Procedure]:
    dossier = get_owned(Dossier, dossier_id)
    return dossier, procedure_or_404(dossier.procedure_code)


@bp.app_template_filter("admin_status")
def status_name(status: str | None) -> str:
    names = STATUS_NAMES.get(status or "", {"vi": status or "—", "en": status or "—"})
    return pick(names["vi"], names["en"])


def _consented() -> bool:
    citizen = current_citizen()
    return citizen is not None and has_consent(citizen.id, "admin", "personal")


def _text(value: dict[str, str] | None) -> str:
    return pick(value["vi"], value["en"]) if value else ""


def _steps() -> list[str]:
    return [pick("Tờ khai", "Form"), pick("Giấy tờ", "Documents"), pick("Lệ phí và nộp", "Fee and filing"),
            pick("Biên nhận", "Receipt")]


# -- catalogue (public information) -------------------------------------------------------------

@bp.route("/")
@public
def index() -> str:
    """Procedures by field, tracking by dossier code, and the citizen's own dossiers."""
    citizen = current_citizen()
    notices = flow.notice_count(citizen.id) if citizen else 0
    return render_template("admin/index.html", procedures=list(catalogue().values()), text=_text,
                           notices=notices, citizen=citizen)


@bp.route("/procedures/<code>")
@public
def procedure(code: str) -> str:
    """Required documents, processing time, fee and competent authority of one procedure."""
    return render_template("admin/procedure.html", p=procedure_or_404(code), text=_text,
                           needs_consent=current_citizen() is not None and not _consented())


@bp.route("/track")
@public
def track() -> str:
    """Status of a dossier by its code (no personal data is shown)."""
    code = (request.args.get("code") or "").strip().upper()
    status = flow.live_status(code) if code else None
    row = Dossier.get_or_none(Dossier.dossier_code == code) if code else None
    return render_template("admin/track.html", code=code, status=status, text=_text, conn=portal(),
                           procedure=catalogue().get(row.procedure_code) if row else None,
                           appointment=row.appointment if row else None)


# -- starting and filling in --------------------------------------------------------------------

@bp.route("/procedures/<code>/start", methods=["POST"])
@requires(SUBMIT, assurance="high")
def start(code: str) -> Response:
    procedure_ = procedure_or_404(code)
    if not _consented():
        if request.form.get("agree") != "yes":
            raise UserInputError(pick("Bạn cần đồng ý cho xử lý dữ liệu cá nhân để nộp hồ sơ.",
                                      "You need to agree to the processing of your personal data to file a dossier."))
        from sdk.consent import grant_consent

        grant_consent("personal")
    limit_rate("dossier", per_citizen=(20, 86400), per_station=(300, 3600))
    dossier = flow.start_dossier(current_citizen().id, procedure_)
    return redirect(url_for("admin.form", dossier_id=dossier.id))


@bp.route("/dossiers/<int:dossier_id>/form", methods=["GET", "POST"])
@requires(SUBMIT, assurance="high")
def form(dossier_id: int) -> Response | str | tuple[str, int]:
    """The form, identity fields pre-filled from the card / VNeID and read-only."""
    dossier, procedure_ = own_dossier(dossier_id)
    flow.require_stage(dossier, DRAFT, AWAITING_PAYMENT)
    identity = verified_identity()
    stored = dossier.form or {}
    values = {spec.name: display_value(spec, stored.get(spec.name)) if spec.type == "date"
              else str(stored.get(spec.name) or "") for spec in procedure_.fields}
    locked = prefilled(procedure_, identity)
    values.update(locked)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = validate_form(procedure_, request.form, identity, current_language(),
                                     today=local_date(now()))
        if not errors:
            flow.save_form(dossier, data)
            return redirect(url_for("admin.documents", dossier_id=dossier.id))
        values.update({k: v for k, v in request.form.items() if k in values})
        values.update(locked)
    page = render_template("admin/form.html", p=procedure_, dossier=dossier, values=values, errors=errors,
                           locked=locked,
                           text=_text, steps=_steps(), step=0)
    return (page, 400) if errors else page


@bp.route("/dossiers/<int:dossier_id>/documents")
@requires(SUBMIT, assurance="high")
def documents(dossier_id: int) -> str:
    dossier, procedure_ = own_dossier(dossier_id)
    attached = {a.document_key: a for a in flow.attachments_of(dossier)}
    return render_template("admin/documents.html", p=procedure_, dossier=dossier, attached=attached, text=_text,
                           steps=_steps(), step=1, error=request.args.get("error"))


@bp.route("/dossiers/<int:dossier_id>/documents/<key>/scan", methods=["POST"])
@requires(SUBMIT, assurance="high")
def scan(dossier_id: int, key: str) -> Response | tuple[str, int]:
    """Scan the document on the station's scanner and attach it."""
    dossier, procedure_ = own_dossier(dossier_id)
    document = procedure_.document(key)
    if document is None:
        raise NotFoundError("Not found.")
    flow.require_stage(dossier, DRAFT, AWAITING_PAYMENT)
    try:
        reading = measure("document_scanner", timeout=float(plugin_settings().get("scan_timeout_s", 30)))
    except DeviceUnavailable as exc:
        message = {
            "no_document": pick("Chưa có giấy tờ trên máy quét: đặt trang giấy úp xuống mặt kính rồi thử lại.",
                                "No document on the scanner: place the page face down on the glass and try again."),
            "paper_jam": pick("Máy quét bị kẹt giấy; vui lòng báo cán bộ của trạm.",
                              "The scanner has a paper jam; please ask the station staff."),
            "missing": pick("Trạm không có máy quét; hãy tải lên từ điện thoại.",
                            "This station has no scanner; upload from your phone instead."),
        }.get(exc.code, pick("Máy quét chưa sẵn sàng; vui lòng thử lại hoặc tải lên từ điện thoại.",
                             "The scanner is not ready; try again or upload from your phone."))
        page = render_template("admin/documents.html", p=procedure_, dossier=dossier,
                               attached={a.document_key: a for a in flow.attachments_of(dossier)},
                               text=_text, steps=_steps(), step=1, error=message)
        return page, 409
    content = reading.values["content"]
    checked = check_upload(content, allowed=document.accept, max_bytes=_max_bytes())
    flow.add_attachment(dossier, key, content, checked, "scanner")
    return redirect(url_for("admin.documents", dossier_id=dossier.id))


def _max_bytes() -> int:
    return int(plugin_settings().get("max_attachment_kb", 5120)) * 1024


@bp.route("/dossiers/<int:dossier_id>/documents/<key>/phone", methods=["POST"])
@requires(SUBMIT, assurance="high")
def phone_link(dossier_id: int, key: str) -> str:
    """A one-time QR link so the citizen can upload the document from their phone."""
    dossier, procedure_ = own_dossier(dossier_id)
    document = procedure_.document(key)
    if document is None:
        raise NotFoundError("Not found.")
    minutes = int(plugin_settings().get("upload_link_minutes", 10))
    token = flow.create_upload_link(dossier, key, minutes)
    base = str(plugin_settings().get("public_base_url") or "").rstrip("/")
    path = url_for("admin.phone_upload", token=token)
    # the station's configured address, never the request's Host header (a forged Host would send
    # the citizen's phone elsewhere)
    link = f"{base or current_app.config.get('STATION_PUBLIC_URL', '')}{path}"
    import segno  # only this page draws a QR code: not imported at the station's start

    qr_svg = segno.make(link, error="m").svg_inline(scale=6, omitsize=True)  # sized by the stylesheet (.qr svg)
    return render_template("admin/phone_link.html", p=procedure_, dossier=dossier, document=document, link=link,
                           qr_svg=qr_svg, minutes=minutes, text=_text)


@bp.route("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@requires(SUBMIT, assurance="high")
def delete_attachment(dossier_id: int, attachment_id: int) -> Response:
    dossier, _ = own_dossier(dossier_id)
    flow.remove_attachment(dossier, attachment_id)
    return redirect(url_for("admin.documents", dossier_id=dossier.id))


# -- the citizen's phone (public, protected by the one-time token) -------------------------------

@bp.route("/upload/<token>", methods=["GET", "POST"])
@public
def phone_upload(token: str) -> str | tuple[str, int]:
    """The page the phone opens from the QR code; its own form carries a CSRF token."""
    link, dossier = flow.open_upload_link(token)
    procedure_ = procedure_or_404(dossier.procedure_code)
    document = procedure_.document(link.document_key)
    if request.method == "POST":
        upload = request.files.get("file")
        content = upload.read() if upload else b""
        checked = check_upload(content, filename=upload.filename if upload else "", allowed=document.accept,
                               max_bytes=_max_bytes())
        flow.use_upload_link(token, content, checked)
        return render_template("admin/phone_done.html", document=document, text=_text)
    return render_template("admin/phone_upload.html", document=document, p=procedure_, text=_text,
                           max_kb=_max_bytes() // 1024)


# -- fee, submission, receipt ---------------------------------------------------------------------

@bp.route("/dossiers/<int:dossier_id>/review")
@requires(SUBMIT, assurance="high")
def review(dossier_id: int) -> str | Response:
    dossier, procedure_ = own_dossier(dossier_id)
    if dossier.stage == SUBMITTED:
        return redirect(url_for("admin.receipt", dossier_id=dossier.id))
    if dossier.form is None:
        return redirect(url_for("admin.form", dossier_id=dossier.id))
    declared = set(dossier.form.get(SELF_DECLARED, ()))
    rows = [(_text(spec.label) + (pick(" (tự khai)", " (self-declared)") if spec.name in declared else ""),
             display_value(spec, dossier.form.get(spec.name), current_language())) for spec in procedure_.fields]
    paid = dossier.stage == PAID or (dossier.stage == AWAITING_PAYMENT and payment_succeeded(dossier.payment_id))
    missing = [procedure_.document(k) for k in flow.missing_documents(procedure_, dossier)]
    # back from the payment pages: the fee is paid, so the dossier is filed at once (the page
    # sends its own "file" form) unless a required document is missing — then it says so, large
    after_payment = paid and request.args.get("paid") == "1"
    return render_template("admin/review.html", p=procedure_, dossier=dossier, rows=rows, text=_text,
                           missing=missing, paid=paid, can_pay=payments() is not None,
                           attempt=secrets.token_urlsafe(16), steps=_steps(), step=2,
                           after_payment=after_payment, auto_submit=after_payment and not missing)


@bp.route("/dossiers/<int:dossier_id>/submit", methods=["POST"])
@requires(SUBMIT, assurance="high")
def submit(dossier_id: int) -> Response:
    """Pay the fee (if any and not yet paid), then file the dossier with the portal."""
    dossier, procedure_ = own_dossier(dossier_id)
    if dossier.stage == AWAITING_PAYMENT and payment_succeeded(dossier.payment_id):
        flow.mark_paid(dossier, dossier.payment_id)
        dossier = Dossier.get_by_id(dossier.id)
    if dossier.fee_vnd > 0 and dossier.stage in (DRAFT, AWAITING_PAYMENT):
        if dossier.form is None:
            return redirect(url_for("admin.form", dossier_id=dossier.id))
        key = (request.form.get("idempotency_key") or "").strip()
        if not key:
            raise UserInputError(pick("Thiếu mã lần thanh toán; vui lòng tải lại trang.",
                                      "The payment attempt is missing; please reload the page."))
        payment = start_fee_payment(dossier_id=dossier.id, procedure_code=procedure_.code,
                                    procedure_name=procedure_.name, fee_vnd=dossier.fee_vnd, idempotency_key=key,
                                    return_url=url_for("admin.review", dossier_id=dossier.id, paid=1))
        if not payment.existing or dossier.payment_id != str(payment.id):
            flow.await_payment(dossier, str(payment.id))
        return redirect(payment.pay_url)
    flow.submit(dossier, procedure_)
    return redirect(url_for("admin.receipt", dossier_id=dossier.id))


@bp.route("/dossiers/<int:dossier_id>/receipt")
@requires(SUBMIT)
def receipt(dossier_id: int) -> str | Response:
    """Dossier code and appointment date."""
    dossier, procedure_ = own_dossier(dossier_id)
    if dossier.stage != SUBMITTED:
        return redirect(url_for("admin.review", dossier_id=dossier.id))
    return render_template("admin/receipt.html", p=procedure_, dossier=dossier, text=_text, conn=portal(),
                           steps=_steps(), step=3, printed=False, print_error=None)


def receipt_lines(dossier: Dossier, procedure_: Procedure) -> list[Any]:
    """The printed biên nhận hồ sơ: code, procedure, authority, fee and the appointment date."""
    from sdk.formatting import format_date, format_vnd

    lang = current_language()
    return [
        pick("BIÊN NHẬN HỒ SƠ", "DOSSIER RECEIPT"),
        (pick("Mã hồ sơ", "Dossier code"), dossier.dossier_code),
        (pick("Thủ tục", "Procedure"), _text(procedure_.name)),
        (pick("Cơ quan giải quyết", "Authority"), _text(procedure_.authority)),
        (pick("Lệ phí đã nộp", "Fee paid"),
         format_vnd(dossier.fee_vnd, lang) if dossier.fee_vnd else pick("Miễn phí", "Free")),
        (pick("Ngày nộp", "Filed on"), format_date(dossier.submitted_at, lang) if dossier.submitted_at else "—"),
        (pick("Ngày hẹn trả kết quả", "Appointment date"),
         format_date(dossier.appointment, lang) if dossier.appointment else "—"),
        pick("Giữ biên nhận để tra cứu và nhận kết quả.", "Keep this receipt to track the dossier and collect "
             "the result."),
    ]


@bp.route("/dossiers/<int:dossier_id>/receipt/print", methods=["POST"])
@requires(SUBMIT)
def print_dossier_receipt(dossier_id: int) -> str | tuple[str, int] | Response:
    """Print the dossier receipt on the station's printer (audited, no personal data in the entry)."""
    from sdk import audit, transaction
    from sdk.printing import print_receipt

    dossier, procedure_ = own_dossier(dossier_id)
    if dossier.stage != SUBMITTED:
        return redirect(url_for("admin.review", dossier_id=dossier.id))
    error = None
    try:
        print_receipt(receipt_lines(dossier, procedure_), title_lines=1)
    except DeviceUnavailable as exc:
        error = str(exc)
    with transaction():
        audit("admin.receipt_printed", object_ref=f"dossier:{dossier.id}", outcome="failed" if error else "ok")
    page = render_template("admin/receipt.html", p=procedure_, dossier=dossier, text=_text, conn=portal(),
                           steps=_steps(), step=3, printed=error is None, print_error=error)
    return (page, 409) if error else page


# -- following -----------------------------------------------------------------------------------

@bp.route("/mine")
@requires(SUBMIT)
def mine() -> str:
    """The citizen's dossiers: live statuses, changes since the last visit highlighted."""
    citizen_id = current_citizen().id
    page = paginate(flow.submitted_dossiers(citizen_id))
    drafts = paginate(Dossier.select().where((Dossier.citizen_id == citizen_id) & (Dossier.stage != SUBMITTED))
                      .order_by(Dossier.created_at.desc(), Dossier.id.desc()), page=1)  # the 20 newest
    return render_template("admin/mine.html", followed=flow.followed_dossiers(citizen_id, page.items), page=page,
                           drafts=drafts.items, more_drafts=drafts.total - len(drafts.items),
                           catalogue=catalogue(), text=_text, conn=portal())


@bp.route("/mine/seen", methods=["POST"])
@requires(SUBMIT)
def seen() -> Response:
    flow.acknowledge(current_citizen().id)
    return redirect(url_for("admin.mine"))


def tile_subtitle(citizen: Any) -> dict[str, str]:
    """The home tile's line: a notice when dossiers changed status."""
    count = flow.notice_count(citizen.id) if citizen is not None else 0
    if count:
        return {"vi": f"{count} hồ sơ có cập nhật mới — xem Hồ sơ của tôi",
                "en": f"{count} dossier(s) updated — see My dossiers"}
    return {"vi": "Nộp hồ sơ dịch vụ công, tra cứu tình trạng", "en": "Submit public-service dossiers and track them"}
