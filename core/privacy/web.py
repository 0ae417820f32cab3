"""The kiosk's "My data" pages (blueprint ``privacy``, mounted at ``/my-data``).

For the logged-in citizen only (every view ``requires("privacy.my_data")``, a citizen
permission declared in ``core/privacy/manifest.toml``): consents per plugin and category
(grant / withdraw), "who looked at my data, when, why", the export as a JSON download, and
erasure: a confirmation screen names what will be erased, then the citizen re-verifies (card
tap or VNeID), then a separate button erases; the session ends afterwards. JSON when the client asks for it, otherwise
pages on the kiosk layout. Every response is ``Cache-Control: no-store``; every POST passes
the station's CSRF guard.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any

import flask_login
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)

from core.errors import LoginRequired, UserInputError
from core.i18n import current_language, pick
from core.identity.principals import logout, step_up_count, step_up_is_fresh
from core.permissions import requires
from core.privacy.access_log import access_log_for
from core.privacy.consent import CATEGORY_NAMES, current_consents, grant, withdraw
from core.privacy.subject_rights import erase_citizen, erasure_preview, export_citizen
from core.station import current_station
from core.take_home import Document, Kind, Line, register_kind
from core.take_home.web import phone_link_page
from core.web.errors import local_path, wants_json
from core.web.guard import StepUpRequired

privacy = Blueprint("privacy", __name__, url_prefix="/my-data")

MY_DATA_PAGE = """{% extends "base.html" %}
{% block title %}{{ pick('Dữ liệu của tôi', 'My data') }}{% endblock %}
{% block content %}
<h1>{{ pick('Dữ liệu của tôi', 'My data') }}</h1>
<section class="card">
  <h2>{{ pick('Sự đồng ý của bạn', 'Your consents') }}</h2>
  {% for c in consents %}
  <div class="consent" data-plugin="{{ c.plugin }}" data-category="{{ c.category }}">
    <p><strong>{{ c.plugin_name }}</strong> — {{ c.category_name }}:
       {% for p in c.purposes %}{{ pick(p.vi, p.en) }}{% if not loop.last %}; {% endif %}{% endfor %}</p>
    <p>{% if c.granted %}{{ pick('Bạn đã đồng ý', 'You agreed') }} ({{ c.changed_at }}){% elif c.wording_changed %}{{ pick('Nội dung đã thay đổi, cần bạn đồng ý lại', 'The wording changed: please decide again') }}{% else %}{{ pick('Chưa đồng ý', 'Not agreed') }}{% endif %}</p>
    <form method="post" action="{{ url_for('privacy.' + ('withdraw_consent' if c.granted else 'grant_consent'), plugin_id=c.plugin, category=c.category) }}" class="inline">
      <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
      <button type="submit">{% if c.granted %}{{ pick('Rút lại sự đồng ý', 'Withdraw consent') }}{% else %}{{ pick('Tôi đồng ý', 'I agree') }}{% endif %}</button>
    </form>
  </div>
  {% else %}<p>{{ pick('Không dịch vụ nào xử lý dữ liệu cá nhân của bạn.', 'No service processes your personal data.') }}</p>{% endfor %}
</section>
<section class="card">
  <h2>{{ pick('Ai đã xem dữ liệu của tôi', 'Who looked at my data') }}</h2>
  <ul>{% for a in accesses %}<li>{{ a.at }} — {{ a.who }} — {{ a.category }} — {{ pick(a.purpose.vi, a.purpose.en) }}</li>
  {% else %}<li>{{ pick('Chưa có ai.', 'Nobody yet.') }}</li>{% endfor %}</ul>
</section>
<section class="card">
  <h2>{{ pick('Đối chiếu thông tin của tôi', 'Check my records') }}</h2>
  <p>{{ pick('Xem các đơn vị (ngân hàng, điện, bảo hiểm…) có lưu thông tin của bạn khác với thẻ căn cước không, và yêu cầu cập nhật.', 'See whether partner systems hold details that differ from your ID card, and ask them to update.') }}</p>
  <a class="button big" href="{{ url_for('records.index') }}" id="records-link">{{ pick('Đối chiếu thông tin', 'Check my records') }}</a>
</section>
<section class="card">
  <h2>{{ pick('Mang dữ liệu về', 'Take your data home') }}</h2>
  <a class="button big" href="{{ url_for('privacy.export') }}" id="export-link">{{ pick('Nhận toàn bộ dữ liệu trên điện thoại', 'Get all my data on my phone') }}</a>
</section>
<section class="card danger-zone" aria-labelledby="erase-heading">
  <h2 id="erase-heading">{{ pick('Xoá dữ liệu', 'Erase data') }}</h2>
  <p>{{ pick('Xoá vĩnh viễn mọi dữ liệu trạm đang giữ về bạn. Bạn sẽ xem lại danh sách và xác thực lại trước khi xoá.', 'Permanently erase everything the station holds about you. You will see the list and confirm it is you before anything is erased.') }}</p>
  <a class="button danger big" href="{{ url_for('privacy.erase_confirm') }}" id="erase-start">{{ pick('Xoá toàn bộ dữ liệu của tôi…', 'Erase all my data…') }}</a>
</section>
{% endblock %}
"""

ERASE_CONFIRM_PAGE = """{% extends "base.html" %}
{% block title %}{{ pick('Xoá dữ liệu của tôi', 'Erase my data') }}{% endblock %}
{% block content %}
<h1>{{ pick('Xoá toàn bộ dữ liệu của tôi', 'Erase all my data') }}</h1>
<section class="card danger-zone" aria-labelledby="erase-what">
  <h2 id="erase-what">{{ pick('Những gì sẽ bị xoá vĩnh viễn', 'What will be erased for ever') }}</h2>
  <ul class="erase-list">
    {% for p in preview.plugins %}<li>{{ pick('Dữ liệu của dịch vụ', 'The data of the service') }} <strong>{{ p.manifest.name.get(lang) }}</strong>{% if p.manifest.data %} ({% for d in p.manifest.data %}{{ category_names.get(d.category, {}).get(lang, d.category) }}{% if not loop.last %}, {% endif %}{% endfor %}){% endif %}</li>{% endfor %}
    <li>{{ pick('Các lần bạn đồng ý hoặc rút lại sự đồng ý', 'Your consent answers') }}: {{ preview.consents|number }}</li>
    <li>{{ pick('Nhật ký ai đã xem dữ liệu của bạn', 'The record of who looked at your data') }}: {{ preview.access_records|number }}</li>
    <li>{{ pick('Khoá mã hoá dữ liệu của bạn (mọi bản sao đã mã hoá sẽ không đọc được nữa)', 'Your data encryption keys (every encrypted copy becomes unreadable)') }}</li>
    <li>{{ pick('Liên kết giữa số định danh của bạn và hồ sơ tại trạm', 'The link between your ID number and your record at the station') }}</li>
  </ul>
  <h2>{{ pick('Những gì được giữ lại', 'What stays') }}</h2>
  <p>{{ pick('Nhật ký kiểm toán của trạm (chỉ có mã số, không có thông tin cá nhân) — pháp luật yêu cầu giữ lại.', "The station's audit log (numbers only, no personal details) — the law requires it to be kept.") }}</p>
  <p class="warning-text"><strong>{{ pick('Không thể hoàn tác việc xoá.', 'Erasure cannot be undone.') }}</strong></p>
</section>
<section class="card">
  {% if verified %}
  <h2>{{ pick('Bước 2: xác nhận xoá', 'Step 2: confirm the erasure') }}</h2>
  <p>{{ pick('Bạn đã xác thực lại. Chạm nút đỏ để xoá ngay.', 'You confirmed it is you. Tap the red button to erase now.') }}</p>
  <form method="post" action="{{ url_for('privacy.erase') }}" class="actions">
    <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
    <input type="hidden" name="confirm_token" value="{{ ticket }}">
    <button type="submit" class="button danger-solid big" id="erase-confirm">{{ pick('Xoá vĩnh viễn dữ liệu của tôi', 'Erase my data for ever') }}</button>
  </form>
  {% else %}
  <h2>{{ pick('Bước 1: xác thực lại', 'Step 1: confirm it is you') }}</h2>
  <p>{{ pick('Để chắc chắn là chính bạn, hãy chạm thẻ căn cước hoặc duyệt trên ứng dụng VNeID một lần nữa.', 'To be sure it is you, tap your chip ID card or approve in the VNeID app once more.') }}</p>
  <a class="button primary big" id="erase-step-up" href="{{ url_for('login.choose', step_up=1, next=url_for('privacy.erase_confirm')) }}">{{ pick('Xác thực lại', 'Confirm it is me') }}</a>
  {% endif %}
  <a class="button big" id="erase-cancel" href="{{ url_for('privacy.index') }}">{{ pick('Không xoá, quay lại', 'Do not erase, go back') }}</a>
</section>
{% endblock %}
"""

ERASED_PAGE = """{% extends "base.html" %}
{% block content %}<section class="card"><h1>{{ pick('Đã xoá dữ liệu của bạn', 'Your data was erased') }}</h1>
<p>{{ pick('Phiên làm việc đã kết thúc.', 'Your session has ended.') }}</p></section>{% endblock %}
"""


def _citizen_id() -> int:
    user = flask_login.current_user
    if not user.is_authenticated or getattr(user, "kind", None) != "citizen":
        raise LoginRequired(pick("Vui lòng xác thực bằng thẻ căn cước hoặc ứng dụng VNeID để xem dữ liệu của bạn.",
                                 "Please identify yourself with your chip ID card or the VNeID app to see your data."))
    return user.citizen_id


@privacy.after_request
def personal_page_headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _consent_rows(citizen_id: int) -> list[dict[str, Any]]:
    records = current_station().plugins.records
    lang = current_language()
    rows = []
    for state in current_consents(citizen_id):
        row = state.as_dict()
        row["plugin_name"] = records[state.plugin_id].manifest.name.get(lang)
        row["category_name"] = CATEGORY_NAMES.get(state.category, {}).get(lang, state.category)
        rows.append(row)
    return rows


@privacy.get("/")
@requires("privacy.my_data")
def index() -> Any:
    """Consents and the access log summary."""
    citizen_id = _citizen_id()
    consents = _consent_rows(citizen_id)
    accesses = access_log_for(citizen_id, limit=50)
    if wants_json():
        return jsonify(consents=consents, access_log=accesses)
    return render_template_string(MY_DATA_PAGE, consents=consents, accesses=accesses)


@privacy.get("/access-log")
@requires("privacy.my_data")
def access_log() -> Any:
    """Every recorded read of my data, newest first."""
    return jsonify(access_log=access_log_for(_citizen_id()))


@privacy.post("/consents/<plugin_id>/<category>/grant")
@requires("privacy.my_data")
def grant_consent(plugin_id: str, category: str) -> Any:
    """I agree to this plugin processing this category of my data for its stated purposes."""
    state = grant(_citizen_id(), plugin_id, category, language=current_language())
    return _after_change(state.as_dict(), local_path(request.form.get("next")))


@privacy.post("/consents/<plugin_id>/<category>/withdraw")
@requires("privacy.my_data")
def withdraw_consent(plugin_id: str, category: str) -> Any:
    """I withdraw my consent; the plugin may no longer process this category of my data."""
    state = withdraw(_citizen_id(), plugin_id, category, language=current_language())
    return _after_change(state.as_dict())


def _after_change(state: dict[str, Any], then: str | None = None) -> Any:
    """JSON for API clients; otherwise back to My data, or to ``then`` (a consent asked for in place)."""
    if wants_json():
        return jsonify(consent=state)
    return redirect(then or url_for("privacy.index"), code=303)


def _my_data_document(citizen_id: int) -> Document:
    """Everything the station holds about the citizen, as the JSON file their phone downloads."""
    body = json.dumps(export_citizen(citizen_id, actor=f"citizen:{citizen_id}"), ensure_ascii=False, indent=2)
    return Document(body, "application/json", "du-lieu-cua-toi.json")


def _my_data_summary(citizen_id: int) -> list[Line]:
    """The printed summary: what kinds of data are held, not the data itself."""
    consents = [c for c in _consent_rows(citizen_id) if c["granted"]]
    lines: list[Line] = [pick("DỮ LIỆU CỦA TÔI", "MY DATA")]
    lines.append((pick("Đồng ý đang có hiệu lực", "Consents in force"), str(len(consents))))
    lines.append((pick("Lượt truy cập dữ liệu", "Reads of my data"), str(len(access_log_for(citizen_id)))))
    lines.append(pick("Bản đầy đủ: quét mã QR tại trạm để tải về điện thoại.",
                      "Full copy: scan the QR code at the station to download it to your phone."))
    return lines


register_kind(Kind("core.my_data", "core", "Toàn bộ dữ liệu của tôi", "All my data", _my_data_document,
                   summary=_my_data_summary))


@privacy.route("/export", methods=["GET", "POST"])
@requires("privacy.my_data")
def export() -> Any:
    """Everything the station holds about me: to my phone through a QR link (a kiosk never saves
    a file), or as JSON for an API client that asks for it."""
    citizen_id = _citizen_id()
    if wants_json():
        body = json.dumps(export_citizen(citizen_id), ensure_ascii=False, indent=2)
        response = Response(body, mimetype="application/json")
        response.headers["Content-Disposition"] = 'attachment; filename="du-lieu-cua-toi.json"'
        return response
    return phone_link_page("core.my_data", back=url_for("privacy.index"))


ERASE_TICKET_SECONDS = 600


def _clock() -> float:
    return current_app.config["STATION_CLOCK"]()


def _erase_ticket(create: bool) -> dict[str, Any] | None:
    """The erasure the citizen started on the confirmation screen (in the session), if still valid."""
    ticket = session.get("_erase")
    if ticket and _clock() - ticket["at"] <= ERASE_TICKET_SECONDS:
        return ticket
    if not create:
        return None
    ticket = {"token": secrets.token_urlsafe(24), "at": _clock(), "step_ups": step_up_count()}
    session["_erase"] = ticket
    return ticket


def _verified_since(ticket: dict[str, Any]) -> bool:
    """Re-verified after the confirmation screen was opened, and recently enough."""
    window = current_station().config.sessions["step_up_seconds"]
    return step_up_count() > ticket["step_ups"] and step_up_is_fresh(window, flask_login.current_user.assurance)


@privacy.get("/erase")
@requires("privacy.my_data")
def erase_confirm() -> Any:
    """The confirmation screen: what will be erased, then a fresh identification, then the button."""
    citizen_id = _citizen_id()
    ticket = _erase_ticket(create=True)
    preview = erasure_preview(citizen_id)
    verified = _verified_since(ticket)
    if wants_json():
        return jsonify(confirm_token=ticket["token"], needs_step_up=not verified,
                       plugins=[p.id for p in preview.plugins], consents=preview.consents,
                       access_records=preview.access_records, data_keys=preview.data_keys)
    return render_template_string(ERASE_CONFIRM_PAGE, preview=preview, verified=verified, ticket=ticket["token"],
                                  category_names=CATEGORY_NAMES)


@privacy.post("/erase")
@requires("privacy.my_data")
def erase() -> Any:
    """Erase everything about me, then end the session.

    Only after the confirmation screen (its one-time token) and a re-verification made after
    that screen was opened: one POST on its own never erases anything.
    """
    citizen_id = _citizen_id()
    body = request.get_json(silent=True) if request.is_json else None
    sent = request.form.get("confirm_token") or (body or {}).get("confirm_token") or ""
    ticket = _erase_ticket(create=False)
    if ticket is None or not hmac.compare_digest(sent.encode(), ticket["token"].encode()):
        if not wants_json():
            return redirect(url_for("privacy.erase_confirm"), code=303)
        raise UserInputError(pick("Hãy mở màn hình xác nhận xoá dữ liệu trước.",
                                  "Please open the erasure confirmation screen first."))
    if not _verified_since(ticket):
        if not wants_json():
            return redirect(url_for("privacy.erase_confirm"), code=303)
        raise StepUpRequired(pick("Vui lòng xác thực lại (chạm thẻ căn cước hoặc duyệt trên VNeID) để xoá dữ liệu.",
                                  "Please confirm it is you again (tap your ID card or approve in VNeID) to erase "
                                  "your data."))
    session.pop("_erase", None)
    report = erase_citizen(citizen_id)
    as_json = wants_json()
    logout()
    response = (jsonify(erased=True, audit_index=report.audit_index) if as_json
                else Response(render_template_string(ERASED_PAGE)))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
