"""The payment pages (blueprint ``payments``, mounted at ``/pay``) and the service's wiring.

Access follows the one access model: each view declares a ``payments.*`` permission
(``core/payments/manifest.toml``; a site's ``[roles]`` may change who holds them). For the
citizen who owns the payment (staff holding ``payments.view`` may look): the method choice (VietQR transfer or card terminal), the QR code with a waiting page
that polls, the card flow, the outcome, the receipt (print again, take away as PNG by QR).
Public: the take-away receipt image behind a signed, expiring link, and the bank's signed
notification. SIMULATOR: the bank "phone" page. Staff: manager alerts (paper out, transfers
to refund). No GET changes a payment except polling the bank for a transfer the citizen made.
"""

from __future__ import annotations

from typing import Any

import flask_login
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    has_app_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.audit.api import current_actor
from core.errors import LoginRequired, NotFoundError
from core.i18n import current_language, pick
from core.payments.bank import BankConnector, BankUnavailable, notification_body, sign_notification
from core.payments.bank_sim import BankSimulator, TransferRefused
from core.payments.card_queue import DEFAULT_QUEUE_SIZE, CardQueue, payment_for_token, status_token
from core.payments.errors import MethodUnavailable, PaymentClosed, PaymentNotFound, TerminalError
from core.payments.models import (
    FAILED,
    METHOD_CARD,
    METHOD_VIETQR,
    PENDING,
    SUCCEEDED,
    UNKNOWN,
    PaymentRecord,
)
from core.payments.qr_render import qr_svg
from core.payments.receipts import receipt_png
from core.payments.service import PaymentService, view_of
from core.payments.vietqr import VietQRError, bank_name
from core.permissions import public, requires
from core.privacy.staff_reads import record_staff_read
from core.station import current_station

payments = Blueprint("payments", __name__, url_prefix="/pay", template_folder="templates",
                     static_folder="static", static_url_path="/static")

# the simulated banking app: its own blueprint, mounted only when the bank is the simulator
sim_bank = Blueprint("payments_sim", __name__, url_prefix="/pay")

RECEIPT_LINK_SECONDS = 24 * 3600
STAFF_READ_PURPOSE = {"vi": "Nhân viên xem khoản thanh toán và biên lai của bạn",
                      "en": "A staff member looked at your payment and its receipt"}
PROGRESS_TEXTS = {
    0x0A: ("Mời cắm hoặc chạm thẻ vào máy POS", "Insert or tap your card on the terminal"),
    0x0E: ("Mời nhập mã PIN trên máy POS", "Enter your PIN on the terminal"),
    0x17: ("Vui lòng chờ…", "Please wait…"),
    0x1F: ("Mời rút thẻ", "Please remove your card"),
}
FAILURE_TEXTS = {
    "declined": ("Thẻ bị từ chối; bạn chưa bị trừ tiền.", "The card was declined; you were not charged."),
    "not_charged": ("Máy POS không ghi nhận giao dịch; bạn chưa bị trừ tiền.",
                    "The terminal has no record of it; you were not charged."),
    "expired": ("Mã QR đã hết hạn và chưa nhận được chuyển khoản.", "The QR code expired before a transfer arrived."),
    "cancelled": ("Bạn đã huỷ thanh toán.", "You cancelled the payment."),
    "abandoned": ("Khoản thanh toán đã bị bỏ dở.", "The payment was abandoned."),
    "refund_due": ("Khoản này đã được thanh toán trước đó bằng một lượt khác, nên số tiền vừa nhận sẽ được hoàn "
                   "lại cho bạn. Nhân viên trạm đã được báo.",
                   "This was already paid by another payment, so the money just received will be refunded to "
                   "you. Station staff have been told."),
}
BANK_CONNECTORS: dict[str, type[BankConnector]] = {"simulator": BankSimulator}


# ---- wiring ---------------------------------------------------------------------------


def install_payments(app: Flask) -> PaymentService:
    """Create the station's payment service (``app.extensions["payments"]``) and mount the pages."""
    from core.config import is_simulated

    station = current_station(app)
    config = station.config
    bank_settings = dict(config.connectors.get("bank", {}))
    bank_holder: list[BankConnector] = []

    def bank() -> BankConnector:
        if not bank_holder:  # the one connector registry (core.connectors), as plugins use it
            from core.connectors import make_connector

            bank_holder.append(make_connector("bank", BANK_CONNECTORS, config.connectors, config.source))
        return bank_holder[0]

    def notify(view: Any) -> None:
        record = station.plugins.records.get(view.plugin)
        if record is None or not record.enabled or record.module is None:
            raise LookupError(f"plugin {view.plugin} is not active")
        if has_app_context():
            station.plugins.call_one(view.plugin, "payment_settled", payment=view)
        else:
            with app.app_context():
                station.plugins.call_one(view.plugin, "payment_settled", payment=view)

    def public_url() -> str:
        from core.config import public_base_url

        # never the request's Host header: a forged Host would put another site in the QR code
        if config.server.get("public_url") or not bank_settings.get("public_url"):
            return public_base_url(config)
        return str(bank_settings["public_url"]).rstrip("/")

    service = PaymentService(
        audit=station.audit, clock=station.clock, site=config.site,
        terminal=lambda: device_of_kind(station.devices, "payment_terminal"),
        printer=lambda: device_of_kind(station.devices, "receipt_printer"),
        bank=bank, notify=notify, public_url=public_url, simulated=is_simulated(config),
        qr_ttl_seconds=float(bank_settings.get("qr_ttl_seconds", 900)))
    app.extensions["payments"] = service
    app.extensions["payments_cards"] = CardQueue(app, int(config.server.get("card_queue", DEFAULT_QUEUE_SIZE)))
    app.register_blueprint(payments)
    if bank_settings.get("kind", "simulator") == "simulator":  # never mounted beside a real bank
        from core.payments.bank_sim import ensure_book

        ensure_book()  # the simulator's book exists only where the simulator runs, made before any request
        app.register_blueprint(sim_bank)
    return service


def device_of_kind(devices: Any, kind: str) -> Any | None:
    """The site's best device of ``kind``, or — when none is ready — the first one, so that a
    terminal that went NOT_READY can still be asked (its driver reopens the port)."""
    return devices.driver_of_kind(kind)


def payment_service() -> PaymentService:
    """The station's payment service."""
    return current_app.extensions["payments"]


# ---- access ---------------------------------------------------------------------------


def _user() -> Any:
    user = flask_login.current_user
    if not user.is_authenticated:
        raise LoginRequired(pick("Vui lòng xác thực bằng thẻ căn cước hoặc ứng dụng VNeID trước.",
                                 "Please identify yourself with your chip ID card or the VNeID app first."))
    return user


def owned_payment(payment_id: int, allow_staff: bool = True) -> PaymentRecord:
    """The payment if the citizen at the terminal made it (or staff holding ``payments.view`` may
    look); 404 otherwise."""
    user = _user()
    record = payment_service().get(payment_id)
    if getattr(user, "kind", None) == "citizen":
        if record.payer_citizen_id != user.citizen_id:
            raise PaymentNotFound()
        return record
    if allow_staff and current_station().policy.allows(user.roles, "payments.view"):
        record_staff_read(record.payer_citizen_id, table="payment", object_ref=f"payment:{record.id}",
                          category="financial", purpose=STAFF_READ_PURPOSE)
        return record
    raise PaymentNotFound()


def _citizen_payment(payment_id: int) -> PaymentRecord:
    """Only the payer may act on the payment (choose, pay, cancel)."""
    return owned_payment(payment_id, allow_staff=False)


@payments.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- the citizen's pages ------------------------------------------------------------


def _page_context(record: PaymentRecord) -> dict[str, Any]:
    service = payment_service()
    description = record.description_dict
    return {"payment": record, "description": description[current_language()] if current_language() in description
            else description["vi"], "card_available": service.card_available(),
            "failure_text": _failure_text(record.failure_code), "resume_notice": _resume_notice(record),
            "resume": _resuming()}


def _resuming() -> bool:
    """The citizen came back to a payment they had already started (``?resume=1``)."""
    return request.args.get("resume") == "1"


def _resume_notice(record: PaymentRecord) -> str | None:
    """What to tell a citizen who asked to pay something this payment already holds."""
    if not _resuming():
        return None
    if record.state == SUCCEEDED:
        row = payment_service().receipt_of(record.id)
        when = _station_time(record.settled_at or record.updated_at)
        return pick(f"Khoản này đã được thanh toán lúc {when}" + (f", biên lai số {row.number}." if row else "."),
                    f"This was already paid on {when}" + (f", receipt no. {row.number}." if row else "."))
    if record.state == UNKNOWN:
        return pick("Khoản này đang được xác minh với máy POS và ngân hàng. Vui lòng không thanh toán lại; "
                    "bạn sẽ không bị trừ tiền hai lần.",
                    "This payment is being verified with the terminal and the bank. Please do not pay again; "
                    "you will never be charged twice.")
    if record.state == PENDING:
        return pick("Bạn đã bắt đầu thanh toán khoản này. Hãy tiếp tục thanh toán bên dưới, hoặc huỷ để bắt đầu lại.",
                    "You already started paying this. Continue below, or cancel to start again.")
    return None


def _station_time(epoch: float) -> str:
    """``dd/mm/yyyy HH:mm`` in the station's time zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from core.formatting import format_datetime

    zone = ZoneInfo(current_station().config.site.get("timezone") or "Asia/Ho_Chi_Minh")
    return format_datetime(datetime.fromtimestamp(float(epoch), zone), current_language())


def _keep_resume(endpoint: str, payment_id: int) -> str:
    return url_for(endpoint, payment_id=payment_id, **({"resume": "1"} if _resuming() else {}))


def _failure_text(code: str | None) -> str:
    vi, en = FAILURE_TEXTS.get(code or "", ("Thanh toán không thành công.", "The payment did not go through."))
    return pick(vi, en)


@payments.get("/<int:payment_id>")
@requires("payments.view")
def pay(payment_id: int) -> Any:
    """Choose how to pay (or see where the payment stands)."""
    record = owned_payment(payment_id)
    if record.state != PENDING:
        return redirect(_keep_resume("payments.result", payment_id))
    if record.method == METHOD_VIETQR:
        return redirect(_keep_resume("payments.vietqr", payment_id))
    if record.method == METHOD_CARD:
        return redirect(_keep_resume("payments.result", payment_id))
    return render_template("payments/pay.html", **_page_context(record))


@payments.post("/<int:payment_id>/vietqr")
@requires("payments.pay")
def choose_vietqr(payment_id: int) -> Any:
    """Pay by VietQR transfer: issue the dynamic QR code."""
    _citizen_payment(payment_id)
    payment_service().choose_vietqr(payment_id, current_actor())
    return redirect(url_for("payments.vietqr", payment_id=payment_id))


@payments.get("/<int:payment_id>/vietqr")
@requires("payments.view")
def vietqr(payment_id: int) -> Any:
    """The QR code and a waiting page that polls until the bank has the transfer."""
    record = owned_payment(payment_id)
    if record.method != METHOD_VIETQR or record.state != PENDING:
        return redirect(_keep_resume("payments.pay", payment_id))
    service = payment_service()
    bank = service.bank()
    merchant = bank.merchant
    return render_template("payments/vietqr.html", **_page_context(record), qr=qr_svg(record.qr_payload, scale=6),
                           merchant=merchant, bank_name=bank_name(merchant.bin) or pick("Ngân hàng mô phỏng", "Simulated bank"),
                           bank_simulated=bank.simulated, bank_label=bank.label,
                           expires_in=max(0, int((record.expires_at or 0) - service.clock())))


@payments.post("/<int:payment_id>/card")
@requires("payments.pay")
def pay_by_card(payment_id: int) -> Any:
    """Queue the card payment for the terminal's worker and show the waiting page at once.

    The terminal exchange (up to minutes while the citizen finds the card) runs on the card
    worker, never on this request thread; a second tap or tab joins the same job.
    """
    record = _citizen_payment(payment_id)
    if record.state != PENDING or record.method == METHOD_CARD:
        return redirect(url_for("payments.result", payment_id=payment_id))
    if record.method is not None:
        raise PaymentClosed("This payment is already being paid by bank transfer (VietQR).",
                            "Khoản này đang được thanh toán bằng chuyển khoản VietQR.")
    if not payment_service().card_available():
        raise MethodUnavailable("This station has no card terminal; please pay by VietQR transfer.",
                                "Trạm không có máy thanh toán thẻ; vui lòng chuyển khoản VietQR.")
    token = status_token(payment_id)
    if not current_app.extensions["payments_cards"].submit(payment_id, current_actor()):
        raise TerminalError(pick("Máy thanh toán thẻ đang bận; chưa trừ tiền. Vui lòng thử lại sau ít phút.",
                                 "The card terminal is busy; nothing was charged. Please try again in a minute."))
    return redirect(url_for("payments.card_wait", token=token))


def _token_payment(token: str) -> PaymentRecord:
    """The payment behind a card status token, if the user may see it (404 otherwise)."""
    found = payment_for_token(token)
    if found is None:
        raise PaymentNotFound()
    return owned_payment(found.id)


@payments.get("/card/<token>")
@requires("payments.view")
def card_wait(token: str) -> Any:
    """The card waiting page: follow the terminal; it polls the status JSON by itself."""
    record = _token_payment(token)
    if record.state == SUCCEEDED:
        return redirect(url_for("payments.receipt", payment_id=record.id))
    if record.state != PENDING:
        return redirect(url_for("payments.result", payment_id=record.id))
    return render_template("payments/card.html", **_page_context(record), token=token)


@payments.get("/card/<token>/status")
@requires("payments.view")
def card_status(token: str) -> Any:
    """JSON for the card waiting page: where the payment stands (a GET that changes nothing)."""
    record = _token_payment(token)
    cards = current_app.extensions["payments_cards"]
    working = cards.waiting(record.id)
    code = payment_service().progress.get(record.id)
    if code in PROGRESS_TEXTS:
        progress = pick(*PROGRESS_TEXTS[code])
    elif working and record.method is None:
        progress = pick("Đang chờ máy POS…", "Waiting for the card terminal…")
    else:
        progress = None
    error = cards.errors.get(record.id) if not working and record.method is None else None
    nxt = None
    if record.state == SUCCEEDED:
        nxt = url_for("payments.receipt", payment_id=record.id)
    elif record.state != PENDING:
        nxt = url_for("payments.result", payment_id=record.id)
    elif record.method is None and not working and error is None:
        nxt = url_for("payments.pay", payment_id=record.id)  # not queued here (station restarted): choose again
    return jsonify(state=record.state, progress=progress, next=nxt,
                   error=(pick(error.text.vi, error.text.en) if error else None),
                   back=url_for("payments.pay", payment_id=record.id) if error else None)


@payments.post("/<int:payment_id>/cancel")
@requires("payments.pay")
def cancel(payment_id: int) -> Any:
    """Give up a payment that has not been paid (VietQR: only if no transfer arrived)."""
    _citizen_payment(payment_id)
    payment_service().cancel(payment_id, current_actor())
    return redirect(url_for("payments.result", payment_id=payment_id))


@payments.get("/<int:payment_id>/status")
@requires("payments.view")
def status(payment_id: int) -> Any:
    """JSON for the waiting pages: state, progress text, where to go next (polls the bank)."""
    record = owned_payment(payment_id)
    service = payment_service()
    if record.method == METHOD_VIETQR and record.state == PENDING:
        try:
            record = service.check_vietqr(payment_id, current_actor())
        except BankUnavailable:
            pass
    code = service.progress.get(payment_id)
    progress = pick(*PROGRESS_TEXTS[code]) if code in PROGRESS_TEXTS else None
    return jsonify(id=record.id, state=record.state, method=record.method, progress=progress,
                   next=url_for("payments.result", payment_id=payment_id) if record.state != PENDING else None)


@payments.get("/<int:payment_id>/result")
@requires("payments.view")
def result(payment_id: int) -> Any:
    """Where the payment stands: receipt when paid, what happened otherwise."""
    record = owned_payment(payment_id)
    if record.state == SUCCEEDED:
        return redirect(_keep_resume("payments.receipt", payment_id))
    if record.state == PENDING and record.method is None:
        return redirect(_keep_resume("payments.pay", payment_id))
    return render_template("payments/result.html", **_page_context(record), PENDING=PENDING, FAILED=FAILED,
                           UNKNOWN=UNKNOWN, METHOD_CARD=METHOD_CARD)


@payments.get("/<int:payment_id>/receipt")
@requires("payments.view")
def receipt(payment_id: int) -> Any:
    """The on-screen receipt with the audit entry's verification QR and the take-away QR."""
    record = owned_payment(payment_id)
    service = payment_service()
    row = service.receipt_of(payment_id)
    if record.state != SUCCEEDED or row is None:
        return redirect(_keep_resume("payments.result", payment_id))
    document = service.receipt_document(record, row)
    download = service.public_url() + url_for("payments.receipt_image", token=_receipt_token(row.id))
    return render_template("payments/receipt.html", **_page_context(record), receipt=row, doc=document,
                           verify_qr=qr_svg(document.verify_url, scale=4), download_url=download,
                           download_qr=qr_svg(download, scale=4))


@payments.post("/<int:payment_id>/receipt/print")
@requires("payments.print")
def print_again(payment_id: int) -> Any:
    """Print the receipt again (after loading paper, say)."""
    owned_payment(payment_id)
    payment_service().print_receipt(payment_id, current_actor())
    return redirect(url_for("payments.receipt", payment_id=payment_id))


@payments.get("/<int:payment_id>/receipt.png")
@requires("payments.view")
def receipt_download(payment_id: int) -> Any:
    """The receipt as a PNG for the logged-in payer."""
    record = owned_payment(payment_id)
    return _receipt_png_response(record)


# ---- public: the take-away link and the bank --------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="payments.receipt")


def _receipt_token(receipt_id: int) -> str:
    return _serializer().dumps(receipt_id)


def _receipt_png_response(record: PaymentRecord) -> Response:
    service = payment_service()
    row = service.receipt_of(record.id)
    if row is None:
        raise PaymentNotFound()
    image = receipt_png(service.receipt_document(record, row), current_language(),
                        font_path=service.bank().settings.get("receipt_font"))
    response = Response(image, mimetype="image/png")
    response.headers["Content-Disposition"] = f'inline; filename="{row.number}.png"'
    return response


@payments.get("/r/<token>.png")
@public
def receipt_image(token: str) -> Any:
    """The receipt image behind the QR code on the receipt page (signed, valid 24 hours)."""
    from core.payments.models import ReceiptRecord

    try:
        receipt_id = _serializer().loads(token, max_age=RECEIPT_LINK_SECONDS)
    except BadSignature:
        raise NotFoundError("This receipt link is not valid or has expired.") from None
    row = ReceiptRecord.get_or_none(ReceiptRecord.id == receipt_id)
    if row is None:
        raise NotFoundError("This receipt link is not valid or has expired.")
    return _receipt_png_response(PaymentRecord.get_by_id(row.payment_id))


@payments.post("/bank/notify")
@public(csrf=False)
def bank_notification() -> Any:
    """The bank tells the station of a transfer: HMAC-SHA256 of the body in ``X-Signature``."""
    service = payment_service()
    transfer = service.bank().verify_notification(request.get_data(), request.headers.get("X-Signature", ""))
    record = service.record_transfer(transfer, actor="bank", via="notification")
    return jsonify(accepted=True, payment=record.id if record is not None else None,
                   state=record.state if record is not None else None)


# ---- SIMULATOR: the citizen's banking app -------------------------------------------------


@sim_bank.route("/sim/bank", methods=["GET", "POST"])
@public
def sim_bank_phone() -> Any:
    """SIMULATED banking app: shows the scanned VietQR transfer and confirms it."""
    service = payment_service()
    bank = service.bank()
    if not bank.simulated:
        raise NotFoundError("There is no simulated bank at this station.")
    payload = request.values.get("payload", "").strip()
    details, error, done = None, None, None
    if payload:
        try:
            from core.payments.vietqr import decode_vietqr

            details = decode_vietqr(payload)
        except VietQRError as exc:
            error = str(exc)
    if request.method == "POST" and details is not None:
        try:
            transfer = bank.receive(payload, service.clock)
        except (TransferRefused, VietQRError) as exc:
            error = str(exc)
        else:
            body = notification_body(transfer)
            # Deliver the notification through the same check a real bank's webhook passes.
            checked = bank.verify_notification(body, sign_notification(body, bank.webhook_secret))
            service.record_transfer(checked, actor="bank", via="notification")
            done = transfer
    pending = list(PaymentRecord.select().where((PaymentRecord.state == PENDING)
                                                & (PaymentRecord.method == METHOD_VIETQR))
                   .order_by(PaymentRecord.id.desc()).limit(5))
    return render_template("payments/sim_bank.html", payload=payload, details=details, error=error, done=done,
                           bank=bank, bank_name=bank_name, pending=pending), (400 if error else 200)


# ---- staff: manager alerts -----------------------------------------------------------------


@payments.get("/alerts")
@requires("payments.alerts")
def alerts() -> Any:
    """Open manager alerts (printer out of paper, transfers to refund...)."""
    from core.lists import paginate
    from core.payments.models import ManagerAlert

    pager = paginate(ManagerAlert.select().where(ManagerAlert.resolved_at.is_null()).order_by(ManagerAlert.id.desc()))
    rows = [a.as_dict() for a in pager.items]
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(alerts=rows, page=pager.number, pages=pager.pages, total=pager.total)
    return render_template("payments/alerts.html", alerts=rows, page=pager)


@payments.post("/alerts/<int:alert_id>/resolve")
@requires("payments.alerts")
def resolve_alert(alert_id: int) -> Any:
    """Mark an alert as dealt with."""
    payment_service().resolve_alert(alert_id, current_actor())
    return redirect(url_for("payments.alerts"))


def payment_view(payment_id: int) -> Any:
    """The sdk view of a payment the current user may see."""
    return view_of(owned_payment(payment_id))
