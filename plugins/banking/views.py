"""Banking pages: overview, NAPAS 247 transfers (step-up, face check for large amounts),
receive by VietQR, statements, and account opening with eKYC."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, session, url_for

from sdk import (
    NotFoundError,
    PermissionDenied,
    UserInputError,
    audit,
    current_citizen,
    get_owned,
    now,
    pick,
    plugin_settings,
    requires,
    transaction,
    verified_identity,
)
from sdk.banks import bank_name, banks
from sdk.biometrics import verify_face
from sdk.cards import CardCheckFailed, read_verified_card_portrait
from sdk.connectors import connector
from sdk.consent import consent_purposes, grant_consent
from sdk.devices import DeviceUnavailable
from sdk.formatting import amount_in_words, format_datetime, format_vnd, station_time, station_zone
from sdk.lists import paginate
from sdk.printing import print_receipt
from sdk.privacy import ensure_consent, has_consent, record_read
from sdk.vietqr import encode_vietqr, qr_svg

from .connector import BankRefusal, SimulatedCoreBanking
from .models import SUCCEEDED, AccountOpening, Transfer
from .rules import face_check_required
from .schemas import ReceiveSchema, StatementSchema, TransferSchema, field_errors, load
from .service import (
    TransferDraft,
    TransferRefused,
    audit_refusal,
    execute_transfer,
    precheck,
    used_today,
)
from .statement import statement_lines, statement_qr_text

bp = Blueprint("banking", __name__, template_folder="templates")

PLUGIN = "banking"
ACCOUNT_CATEGORIES = ("personal", "financial")
DRAFTS = "banking_drafts"
EKYC = "banking_ekyc"
MAX_DRAFTS = 5


# -- helpers ------------------------------------------------------------------------------------


def bank() -> Any:
    """The site's core-banking connector (the simulator is seeded on first use)."""
    instance = connector("bank", {"simulator": SimulatedCoreBanking})
    if isinstance(instance, SimulatedCoreBanking):
        instance.ensure_seeded(now())
    return instance


def _citizen_id() -> int:
    return current_citizen().id


def _identity() -> Any:
    identity = verified_identity()
    if identity is None or not getattr(identity, "id_number", None):
        raise PermissionDenied(pick("Dịch vụ ngân hàng cần danh tính đã xác thực: hãy đăng nhập bằng thẻ căn cước "
                                    "gắn chip hoặc VNeID mức 2.",
                                    "Banking needs a verified identity: please log in with your chip ID card or a "
                                    "level 2 VNeID account."))
    return identity


def _cif() -> str | None:
    return bank().find_customer(_identity().id_number)


def _require_cif() -> str:
    cif = _cif()
    if cif is None:
        raise NotFoundError(pick("Bạn chưa có tài khoản tại ngân hàng này. Bạn có thể mở tài khoản ngay tại trạm.",
                                 "You have no account at this bank yet. You can open one here at the station."))
    return cif


def _missing_consents(categories: tuple[str, ...]) -> list[str]:
    return [c for c in categories if not has_consent(_citizen_id(), PLUGIN, c)]


def _consent_redirect(categories: tuple[str, ...]) -> Any | None:
    missing = _missing_consents(categories)
    if missing:
        return redirect(url_for("banking.consent", need=",".join(missing), next=request.full_path.rstrip("?")))
    return None


def _settings() -> dict[str, Any]:
    return plugin_settings()


def _local(epoch: float) -> datetime:
    return station_time(float(epoch))  # type: ignore[return-value]


def _drafts() -> dict[str, dict[str, Any]]:
    return dict(session.get(DRAFTS) or {})


def _save_draft(key: str, draft: dict[str, Any]) -> None:
    drafts = _drafts()
    drafts[key] = draft
    while len(drafts) > MAX_DRAFTS:
        drafts.pop(next(iter(drafts)))
    session[DRAFTS] = drafts


def _draft(key: str) -> dict[str, Any]:
    draft = _drafts().get(key)
    if draft is None:
        raise UserInputError(pick("Phiên chuyển khoản đã hết hạn. Vui lòng nhập lại.",
                                  "This transfer form has expired. Please fill it in again."))
    return draft


def _as_draft(data: dict[str, Any]) -> TransferDraft:
    return TransferDraft(data["from_account"], data["to_bin"], data["to_kind"], data["to_number"], int(data["amount"]),
                         data["description"])


def _bank_label(bin_: str) -> str:
    conn = bank()
    if bin_ == conn.bin:
        return conn.bank_label[pick("vi", "en")]
    return bank_name(bin_) or bin_


def _refused(refusal: TransferRefused, status: int = 409, retry_url: str | None = None) -> tuple[str, int]:
    return render_template("banking/refused.html", message=refusal.message, code=refusal.code,
                           retry_url=retry_url or url_for("banking.transfer_form")), status


def _face_thresholds() -> tuple[int, int]:
    settings = _settings()
    return settings["biometric_above_vnd"], settings["biometric_daily_above_vnd"]


def _biometric_needed(amount: int) -> bool:
    """Decision 2345/QĐ-NHNN for this citizen today (see :mod:`.rules`)."""
    single, daily = _face_thresholds()
    return face_check_required(amount, used_today(_citizen_id(), now()), single_above=single, daily_above=daily)


def _biometric_fresh(draft: dict[str, Any]) -> bool:
    at = draft.get("biometric_at")
    return at is not None and now() - at <= _settings()["biometric_valid_seconds"]


def _face_check() -> int:
    """Card on the reader (passive auth, same citizen) + face verifier; returns the score.

    Raises TransferRefused (mismatch, liveness) or CardCheckFailed / DeviceUnavailable.
    """
    ensure_consent("biometric")
    portrait = read_verified_card_portrait()
    match = verify_face(portrait)
    if not match.live:
        raise TransferRefused("liveness_failed")
    if match.score < _settings()["face_match_threshold"]:
        raise _ScoredRefusal("biometric_mismatch", match.score)
    return match.score


class _ScoredRefusal(TransferRefused):
    def __init__(self, code: str, score: int) -> None:
        super().__init__(code)
        self.score = score


# -- consent ------------------------------------------------------------------------------------


@bp.route("/consent", methods=["GET", "POST"])
@requires("banking.use")
def consent() -> Any:
    """Ask for the consents a page needs, in the manifest's words; silence is not consent."""
    need = [c for c in request.values.get("need", "personal,financial").split(",")
            if c in ("personal", "financial", "biometric")]
    target = request.values.get("next") or url_for("banking.index")
    # a path of this plugin only: printable ASCII, no backslash (no open redirect, no header injection)
    if not re.fullmatch(r"/s/banking/[\x21-\x5b\x5d-\x7e]*", target):
        target = url_for("banking.index")
    if request.method == "POST":
        agreed = [c for c in need if request.form.get(f"agree_{c}") == "yes"]
        if set(agreed) != set(need):
            # back to the same question, with what was ticked kept and the reason beside it
            rows = [(c, consent_purposes(c)) for c in need]
            return render_template("banking/consent.html", rows=rows, need=",".join(need), next=target,
                                   agreed=agreed, error=pick(
                                       "Bạn cần đồng ý với tất cả mục để tiếp tục; nếu không, bạn có thể dừng tại đây.",
                                       "You need to agree to every item to continue; otherwise you can stop here.")), 400
        for category in agreed:
            grant_consent(category)
        return redirect(target)
    rows = [(c, consent_purposes(c)) for c in need]
    return render_template("banking/consent.html", rows=rows, need=",".join(need), next=target, agreed=[],
                           error=None)


# -- overview -----------------------------------------------------------------------------------


@bp.route("/")
@requires("banking.use")
def index() -> Any:
    """Accounts, balances and recent transactions."""
    gate = _consent_redirect(ACCOUNT_CATEGORIES)
    if gate is not None:
        return gate
    conn = bank()
    cif = _cif()
    accounts = []
    if cif is not None:
        record_read(_citizen_id(), "financial", {"vi": "Xem tài khoản và giao dịch", "en": "Show accounts and "
                                                 "transactions"}, what="bank accounts")
        for account in conn.accounts(cif):
            recent = [(b, _local(b.at)) for b in conn.recent(cif, account.number, limit=5)]
            accounts.append((account, recent))
    return render_template("banking/index.html", conn=conn, accounts=accounts, customer=cif is not None)


# -- transfers ----------------------------------------------------------------------------------


# What people call the big banks, so that "ngoai thuong" finds Vietcombank in the bank picker.
BANK_KEYWORDS = {"970436": "Ngoại thương Việt Nam", "970415": "Công Thương Việt Nam",
                 "970418": "Đầu tư và Phát triển Việt Nam", "970405": "Nông nghiệp và Phát triển Nông thôn",
                 "970407": "Kỹ Thương Việt Nam", "970422": "Quân đội", "970416": "Á Châu",
                 "970403": "Sài Gòn Thương Tín", "970432": "Việt Nam Thịnh Vượng", "970423": "Tiên Phong",
                 "970437": "Phát triển TP.HCM", "970441": "Quốc tế Việt Nam", "970443": "Sài Gòn – Hà Nội",
                 "970426": "Hàng Hải Việt Nam", "970448": "Phương Đông", "970449": "Lộc Phát Việt Nam"}

# Which field a refusal at review time is about: the form comes back with the error beside it.
REFUSAL_FIELDS = {"beneficiary_not_found": "to_number", "insufficient_funds": "amount",
                  "over_daily_limit": "amount", "account_not_found": "from_account"}


@bp.route("/transfer")
@requires("banking.transfer", step_up=True)
def transfer_form() -> Any:
    """The transfer form; each rendering carries a new idempotency key."""
    gate = _consent_redirect(ACCOUNT_CATEGORIES)
    if gate is not None:
        return gate
    return _transfer_form_page(request.args)


def _transfer_form_page(form: Any, errors: dict[str, str] | None = None, refusal: str | None = None,
                        status: int = 200) -> Any:
    """The form, filled with what the citizen typed, each error next to its field."""
    conn = bank()
    accounts = conn.accounts(_require_cif())
    settings = _settings()
    remaining = max(0, settings["daily_limit_vnd"] - used_today(_citizen_id(), now()))
    return render_template("banking/transfer_form.html", conn=conn, accounts=accounts,
                           banks=[(conn.bin, conn.bank_label[pick("vi", "en")]), *banks()], bank_keywords=BANK_KEYWORDS,
                           key=secrets.token_urlsafe(24), remaining=remaining, settings=settings,
                           form=form, errors=errors or {}, refusal=refusal), status


@bp.route("/transfer/review", methods=["POST"])
@requires("banking.transfer", step_up=True)
def transfer_review() -> Any:
    """Look the beneficiary up, check limit and balance, show the confirmation.

    A form with mistakes, or one the bank refuses because of what was typed (unknown
    beneficiary, too much for the balance or the daily limit), comes back filled in with the
    message next to the field to correct.
    """
    ensure_consent("financial")
    conn = bank()
    cif = _require_cif()
    key = request.form.get("idempotency_key", "")
    if not 16 <= len(key) <= 64:
        raise UserInputError(pick("Biểu mẫu không hợp lệ; vui lòng nhập lại.", "Invalid form; please start again."))
    draft, errors = field_errors(TransferSchema(own_bin=conn.bin), request.form)
    if errors:
        return _transfer_form_page(request.form, errors, status=400)
    try:
        beneficiary = precheck(conn, _citizen_id(), cif, draft, _settings()["daily_limit_vnd"], now())
    except TransferRefused as refusal:
        audit_refusal(_citizen_id(), refusal.code, draft.amount, draft.to_bin)
        if refusal.code in REFUSAL_FIELDS:
            return _transfer_form_page(request.form, {REFUSAL_FIELDS[refusal.code]: refusal.message},
                                       refusal=refusal.code, status=409)
        return _refused(refusal)
    data = {**draft.__dict__, "beneficiary": beneficiary.name, "biometric_at": None}
    _save_draft(key, data)
    return _confirm_page(key, data)


@bp.route("/transfer/review/<key>")
@requires("banking.transfer", step_up=True)
def transfer_review_again(key: str) -> Any:
    """The confirmation of a reviewed transfer again (after a re-verification or a consent)."""
    return _confirm_page(key, _draft(key))


def _confirm_page(key: str, data: dict[str, Any], error: str | None = None, status: int = 200) -> Any:
    return render_template("banking/transfer_confirm.html", key=key, d=data, bank_label=_bank_label(data["to_bin"]),
                           biometric_needed=_biometric_needed(int(data["amount"])),
                           biometric_ok=_biometric_fresh(data), error=error, conn=bank(),
                           biometric_consent=has_consent(_citizen_id(), PLUGIN, "biometric"),
                           biometric_purposes=consent_purposes("biometric")), status


@bp.route("/transfer/biometric", methods=["POST"])
@requires("banking.transfer", step_up=True)
def transfer_biometric() -> Any:
    """Face check for a large transfer: the card again (DG2, verified) and the face verifier."""
    key = request.form.get("idempotency_key", "")
    data = _draft(key)
    amount, to_bin = int(data["amount"]), data["to_bin"]
    if not has_consent(_citizen_id(), PLUGIN, "biometric"):
        # the consent is asked for on the confirmation page itself, then the face check goes on
        if request.form.get("agree_biometric") != "yes":
            return _confirm_page(key, data, error=pick(
                "Hãy đánh dấu ô đồng ý xử lý dữ liệu sinh trắc học để xác thực khuôn mặt.",
                "Please tick the box to agree to biometric processing for the face check."), status=400)
        grant_consent("biometric")
    try:
        score = _face_check()
    except TransferRefused as refusal:
        details = {"score": refusal.score} if isinstance(refusal, _ScoredRefusal) else {}
        audit_refusal(_citizen_id(), refusal.code, amount, to_bin, details=details)
        return _refused(refusal, 403)
    except (CardCheckFailed, DeviceUnavailable) as problem:
        code = getattr(problem, "code", "error")
        audit_refusal(_citizen_id(), code, amount, to_bin, action="banking.biometric")
        return _confirm_page(key, data, error=str(problem), status=409)
    with transaction():
        audit("banking.biometric", object_ref="transfer:new",
              details={"score": score, "threshold": _settings()["face_match_threshold"], "amount": amount})
    data["biometric_at"] = now()
    _save_draft(key, data)
    return _confirm_page(key, data)


@bp.route("/transfer/confirm", methods=["POST"])
@requires("banking.transfer", step_up=True)
def transfer_confirm() -> Any:
    """Execute once per idempotency key; a retry shows the first result."""
    ensure_consent("financial")
    key = request.form.get("idempotency_key", "")
    existing = Transfer.get_or_none(Transfer.idempotency_key == key)
    if existing is not None and existing.citizen_id == _citizen_id():
        return redirect(url_for("banking.transfer_result", transfer_id=existing.id), code=303)
    data = _draft(key)
    draft = _as_draft(data)
    biometric = _biometric_fresh(data)
    if _biometric_needed(draft.amount) and not biometric:
        return _confirm_page(key, data, error=TransferRefused("biometric_required").message, status=409)
    conn = bank()
    outcome = execute_transfer(conn, citizen_id=_citizen_id(), cif=_require_cif(), key=key, draft=draft,
                               daily_limit=_settings()["daily_limit_vnd"], biometric=biometric, now=now(),
                               face_thresholds=_face_thresholds(),
                               send_again=request.form.get("send_again") == "yes")
    if outcome.duplicate:
        first = outcome.transfer
        return render_template("banking/transfer_duplicate.html", key=key, t=first, d=data,
                               bank_label=_bank_label(first.to_bin), at=_local(first.created_at), conn=conn), 409
    return redirect(url_for("banking.transfer_result", transfer_id=outcome.transfer.id), code=303)


@bp.route("/transfer/<int:transfer_id>")
@requires("banking.use")
def transfer_result(transfer_id: int) -> Any:
    """The outcome of one transfer (the citizen's own only)."""
    transfer = get_owned(Transfer, transfer_id)
    drafts = _drafts()
    data = drafts.get(transfer.idempotency_key, {})
    if transfer.state != SUCCEEDED:
        return _refused(TransferRefused(transfer.refusal or "refused"), 409)
    return render_template("banking/transfer_result.html", t=transfer, d=data, bank_label=_bank_label(transfer.to_bin),
                           at=_local(transfer.created_at), conn=bank(), words=amount_in_words(transfer.amount_vnd),
                           printed=request.args.get("printed"))


@bp.route("/transfer/<int:transfer_id>/print", methods=["POST"])
@requires("banking.transfer")
def transfer_print(transfer_id: int) -> Any:
    """The transfer confirmation on paper: amount in figures and in words, beneficiary, bank,
    reference, time — the account number masked, no technical ids."""
    transfer = get_owned(Transfer, transfer_id)
    if transfer.state != SUCCEEDED:
        return _refused(TransferRefused(transfer.refusal or "refused"), 409)
    data = _drafts().get(transfer.idempotency_key, {})
    conn = bank()
    lines: list[Any] = [pick("XÁC NHẬN CHUYỂN KHOẢN", "TRANSFER CONFIRMATION"), conn.bank_label[pick("vi", "en")],
                        (pick("Số tiền", "Amount"), format_vnd(transfer.amount_vnd)),
                        (pick("Bằng chữ", "In words"), amount_in_words(transfer.amount_vnd).capitalize()),
                        (pick("Người nhận", "Beneficiary"), data.get("beneficiary", "—")),
                        (pick("Ngân hàng", "Bank"), _bank_label(transfer.to_bin)),
                        (pick("Tài khoản / thẻ", "Account / card"), "****" + transfer.to_number_last4),
                        (pick("Mã giao dịch", "Reference"), transfer.bank_ref or "—"),
                        (pick("Thời gian", "Time"), format_datetime(transfer.created_at))]
    if conn.simulated:
        lines.append(pick("MÔ PHỎNG — không phải giao dịch thật", "SIMULATION — not a real transfer"))
    try:
        print_receipt(lines, title_lines=2)
        outcome = "ok"
    except DeviceUnavailable as exc:
        outcome = exc.code or "failed"
    with transaction():
        audit("banking.transfer.print", object_ref=f"transfer:{transfer.id}", outcome="ok" if outcome == "ok" else "failed")
    return redirect(url_for("banking.transfer_result", transfer_id=transfer.id, printed=outcome), code=303)


# -- receive by VietQR --------------------------------------------------------------------------


@bp.route("/receive", methods=["GET", "POST"])
@requires("banking.use")
def receive() -> Any:
    """The citizen's own VietQR for an amount and purpose (a GET form: nothing changes)."""
    gate = _consent_redirect(ACCOUNT_CATEGORIES)
    if gate is not None:
        return gate
    conn = bank()
    accounts = conn.accounts(_require_cif())
    qr = payload = None
    values = request.values
    if values.get("account"):
        data = load(ReceiveSchema(), values)
        if data["account"] not in {a.number for a in accounts}:
            raise NotFoundError(pick("Không tìm thấy tài khoản.", "No such account."))
        payload = encode_vietqr(conn.bin, data["account"], amount=data.get("amount"),
                                purpose=data.get("purpose") or None, dynamic=data.get("amount") is not None)
        qr = qr_svg(payload, scale=6)
        values = data
    return render_template("banking/receive.html", conn=conn, accounts=accounts, qr=qr, payload=payload,
                           values=values, bank_label=conn.bank_label[pick("vi", "en")])


# -- statements ---------------------------------------------------------------------------------


def _statement_from(values: Any) -> tuple[Any, Any]:
    conn = bank()
    cif = _require_cif()
    data = load(StatementSchema(), values)
    if (data["end"] - data["start"]).days + 1 > _settings()["statement_max_days"]:
        raise UserInputError(pick(f"Sao kê tối đa {_settings()['statement_max_days']} ngày.",
                                  f"A statement covers at most {_settings()['statement_max_days']} days."))
    start = datetime.combine(data["start"], datetime.min.time(), ZoneInfo(station_zone())).timestamp()
    end = datetime.combine(data["end"] + timedelta(days=1), datetime.min.time(), ZoneInfo(station_zone())).timestamp()
    try:
        statement = conn.statement(cif, data["account"], start, end)
    except BankRefusal:
        raise NotFoundError(pick("Không tìm thấy tài khoản.", "No such account.")) from None
    record_read(_citizen_id(), "financial", {"vi": "Sao kê tài khoản", "en": "Account statement"}, what="statement")
    return statement, data


@bp.route("/statement")
@requires("banking.use")
def statement() -> Any:
    """Pick an account and dates; show the statement, optionally as a QR to take away."""
    gate = _consent_redirect(ACCOUNT_CATEGORIES)
    if gate is not None:
        return gate
    conn = bank()
    accounts = conn.accounts(_require_cif())
    today = _local(now()).date()
    values = {"account": accounts[0].number if accounts else "", "start": (today - timedelta(days=30)).isoformat(),
              "end": today.isoformat(), **request.args.to_dict()}
    result = qr = None
    if "show" in request.args:
        result, _ = _statement_from(values)
        if request.args.get("qr") == "1":
            qr = qr_svg(statement_qr_text(result, _local), scale=4)
    page = paginate(list(result.bookings), per_page=25) if result is not None else None  # on screen; print: all
    return render_template("banking/statement.html", conn=conn, accounts=accounts, values=values, s=result,
                           qr=qr, local=_local, print_error=None, printed=False, page=page)


@bp.route("/statement/print", methods=["POST"])
@requires("banking.use")
def statement_print() -> Any:
    """Print the statement on the receipt printer (ESC/POS)."""
    ensure_consent("financial")
    result, values = _statement_from(request.form)
    conn = bank()
    error, printed = None, False
    try:
        print_receipt(statement_lines(result, _local, conn.bank_label[pick("vi", "en")]), title_lines=2)
        printed = True
    except DeviceUnavailable as exc:
        error = str(exc)
    with transaction():
        audit("banking.statement.print", object_ref="statement",
              outcome="ok" if printed else "failed", details={"bookings": len(result.bookings)})
    values = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
    return render_template("banking/statement.html", conn=conn, accounts=conn.accounts(_require_cif()), values=values,
                           s=result, qr=None, local=_local, print_error=error, printed=printed), (200 if printed else 409)


# -- account opening (eKYC) ---------------------------------------------------------------------


@bp.route("/open")
@requires("banking.open_account", assurance="high")
def open_start() -> Any:
    """Step 1: the bank's terms and the consents, in plain words."""
    _identity()
    rows = [(c, consent_purposes(c)) for c in ("personal", "financial", "biometric")]
    return render_template("banking/open.html", rows=rows, conn=bank(), step=0, agreed=(), error=None)


@bp.route("/open/consent", methods=["POST"])
@requires("banking.open_account", assurance="high")
def open_consent() -> Any:
    """The citizen agrees to the terms and to each processing purpose (all recorded and audited)."""
    if request.form.get("agree_terms") != "yes" or any(
            request.form.get(f"agree_{c}") != "yes" for c in ("personal", "financial", "biometric")):
        with transaction():
            audit("banking.account.open", object_ref="account:new", outcome="refused",
                  details={"reason": "consent_missing"})
        # not a dead end: the same form again, what was ticked kept, the reason next to the boxes
        rows = [(c, consent_purposes(c)) for c in ("personal", "financial", "biometric")]
        agreed = [k for k in ("terms", "personal", "financial", "biometric") if request.form.get(f"agree_{k}") == "yes"]
        return render_template("banking/open.html", rows=rows, conn=bank(), step=0, agreed=agreed, error=pick(
            "Để mở tài khoản, bạn cần đánh dấu đồng ý với điều khoản và từng mục xử lý dữ liệu bên dưới.",
            "To open an account, tick the terms and each data processing item below.")), 400
    for category in ("personal", "financial", "biometric"):
        grant_consent(category)
    with transaction():
        audit("banking.terms.accept", object_ref="terms:v1", details={"version": "1"})
    return redirect(url_for("banking.open_verify"), code=303)


@bp.route("/open/verify", methods=["GET", "POST"])
@requires("banking.open_account", assurance="high", step_up=True)
def open_verify() -> Any:
    """Step 2: the card on the reader (passive authentication) and the face match."""
    if request.method == "GET":
        return render_template("banking/open_verify.html", error=None, conn=bank(), step=1)
    for category in ("personal", "financial", "biometric"):
        ensure_consent(category)
    try:
        score = _face_check()
    except TransferRefused as refusal:
        details = {"score": refusal.score} if isinstance(refusal, _ScoredRefusal) else {}
        with transaction():
            audit("banking.ekyc", object_ref="account:new", outcome="refused",
                  details={"reason": refusal.code, **details})
        return render_template("banking/open_verify.html", error=refusal.message, conn=bank(), step=1), 403
    except (CardCheckFailed, DeviceUnavailable) as problem:
        with transaction():
            audit("banking.ekyc", object_ref="account:new", outcome="failed",
                  details={"reason": getattr(problem, "code", "error")})
        return render_template("banking/open_verify.html", error=str(problem), conn=bank(), step=1), 409
    with transaction():
        audit("banking.ekyc", object_ref="account:new",
              details={"score": score, "threshold": _settings()["face_match_threshold"]})
    session[EKYC] = {"at": now(), "score": score, "citizen": _citizen_id()}
    return redirect(url_for("banking.open_confirm"), code=303)


@bp.route("/open/confirm", methods=["GET", "POST"])
@requires("banking.open_account", assurance="high")
def open_confirm() -> Any:
    """Step 3: create the account at the bank (once per eKYC)."""
    passed = session.get(EKYC)
    fresh = (passed is not None and passed.get("citizen") == _citizen_id()
             and now() - passed["at"] <= _settings()["biometric_valid_seconds"])
    if not fresh:
        return redirect(url_for("banking.open_start"), code=303)
    if request.method == "GET":
        return render_template("banking/open_confirm.html", conn=bank(), step=2, opened=None)
    identity = _identity()
    conn = bank()
    with transaction():
        _, account = conn.open_account(identity.id_number, identity.full_name, now())
        opening = AccountOpening.create(citizen_id=_citizen_id(), account_number=account.number,
                                        face_score=passed["score"], opened_at=now())
        receipt = audit("banking.account.open", object_ref=f"account_opening:{opening.id}",
                        details={"product": account.product, "face_score": passed["score"]})
        opening.audit_index = receipt.index
        opening.save()
    session.pop(EKYC, None)
    return render_template("banking/open_confirm.html", conn=conn, step=3, opened=account,
                           audit_index=receipt.index)
