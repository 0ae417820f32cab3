"""The kiosk's "My data" pages (blueprint ``privacy``, mounted at ``/my-data``).

For the logged-in citizen only: consents per plugin and category (grant / withdraw), "who
looked at my data, when, why", the export as a JSON download, and erasure (needs a fresh
re-verification; the session ends afterwards). JSON when the client asks for it, otherwise
pages on the kiosk layout. Every response is ``Cache-Control: no-store``; every POST passes
the station's CSRF guard.
"""

from __future__ import annotations

import json
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
    url_for,
)

from core.errors import LoginRequired, UserInputError
from core.i18n import current_language, pick
from core.identity.principals import logout, step_up_is_fresh
from core.privacy.access_log import access_log_for
from core.privacy.consent import CATEGORY_NAMES, current_consents, grant, withdraw
from core.privacy.subject_rights import erase_citizen, export_citizen
from core.web.errors import wants_json
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
  <a class="button" href="{{ url_for('privacy.export') }}">{{ pick('Tải toàn bộ dữ liệu (JSON)', 'Download all my data (JSON)') }}</a>
  <form method="post" action="{{ url_for('privacy.erase') }}" class="inline">
    <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
    <input type="hidden" name="confirm" value="yes">
    <button type="submit">{{ pick('Xoá toàn bộ dữ liệu của tôi', 'Erase all my data') }}</button>
  </form>
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


@privacy.before_request
def citizen_only() -> None:
    _citizen_id()


@privacy.after_request
def personal_page_headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _consent_rows(citizen_id: int) -> list[dict[str, Any]]:
    records = current_app.extensions["station"].plugins.records
    lang = current_language()
    rows = []
    for state in current_consents(citizen_id):
        row = state.as_dict()
        row["plugin_name"] = records[state.plugin_id].manifest.name.get(lang)
        row["category_name"] = CATEGORY_NAMES.get(state.category, {}).get(lang, state.category)
        rows.append(row)
    return rows


@privacy.get("/")
def index() -> Any:
    """Consents and the access log summary."""
    citizen_id = _citizen_id()
    consents = _consent_rows(citizen_id)
    accesses = access_log_for(citizen_id, limit=50)
    if wants_json():
        return jsonify(consents=consents, access_log=accesses)
    return render_template_string(MY_DATA_PAGE, consents=consents, accesses=accesses)


@privacy.get("/access-log")
def access_log() -> Any:
    """Every recorded read of my data, newest first."""
    return jsonify(access_log=access_log_for(_citizen_id()))


@privacy.post("/consents/<plugin_id>/<category>/grant")
def grant_consent(plugin_id: str, category: str) -> Any:
    """I agree to this plugin processing this category of my data for its stated purposes."""
    state = grant(_citizen_id(), plugin_id, category, language=current_language())
    return _after_change(state.as_dict())


@privacy.post("/consents/<plugin_id>/<category>/withdraw")
def withdraw_consent(plugin_id: str, category: str) -> Any:
    """I withdraw my consent; the plugin may no longer process this category of my data."""
    state = withdraw(_citizen_id(), plugin_id, category, language=current_language())
    return _after_change(state.as_dict())


def _after_change(state: dict[str, Any]) -> Any:
    if wants_json():
        return jsonify(consent=state)
    return redirect(url_for("privacy.index"), code=303)


@privacy.get("/export")
def export() -> Response:
    """Everything the station holds about me, as a JSON file."""
    citizen_id = _citizen_id()
    body = json.dumps(export_citizen(citizen_id), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{citizen_id}.json"'
    return response


@privacy.post("/erase")
def erase() -> Any:
    """Erase everything about me (needs a fresh re-verification), then end the session."""
    citizen_id = _citizen_id()
    if request.form.get("confirm") != "yes" and not (request.is_json and (request.get_json(silent=True) or {})
                                                     .get("confirm") == "yes"):
        raise UserInputError(pick("Hãy xác nhận việc xoá dữ liệu.", "Please confirm the erasure."))
    station = current_app.extensions["station"]
    if not step_up_is_fresh(station.config.sessions["step_up_seconds"]):
        raise StepUpRequired(pick("Vui lòng xác thực lại (chạm thẻ căn cước hoặc duyệt trên VNeID) để xoá dữ liệu.",
                                  "Please confirm it is you again (tap your ID card or approve in VNeID) to erase "
                                  "your data."))
    report = erase_citizen(citizen_id)
    as_json = wants_json()
    logout()
    response = (jsonify(erased=True, audit_index=report.audit_index) if as_json
                else Response(render_template_string(ERASED_PAGE)))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
