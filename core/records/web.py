"""The kiosk's "Check my records" page (blueprint ``records``, mounted at ``/my-records``).

For the identified citizen (``records.check``): each partner system's record compared with
the chip card, differences in plain words, and — for what a system lets the station correct —
a button that asks it to take the card's value (the value is never posted by the page). A
confirmation screen names what will be sent and to whom before anything is sent.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)

from core.errors import UserInputError
from core.i18n import pick
from core.identity.session_identity import load_identity
from core.permissions import requires
from core.records import service
from core.records.compare import FIELDS
from core.station import current_station
from core.text import Text

records = Blueprint("records", __name__, url_prefix="/my-records")
SESSION_COUNTED = "_records_counted"

PAGE = """{% extends "base.html" %}
{% block title %}{{ pick('Đối chiếu thông tin của tôi', 'Check my records') }}{% endblock %}
{% block content %}
<h1>{{ pick('Đối chiếu thông tin của tôi', 'Check my records') }}</h1>
<p class="lead">{{ pick('Trạm so sánh thông tin các đơn vị đang lưu về bạn với thông tin trên thẻ căn cước gắn chip. Không có gì được thay đổi nếu bạn không yêu cầu.', 'The station compares what partner systems hold about you with your chip ID card. Nothing changes unless you ask.') }}</p>
{% if done %}<p class="notice ok" role="status" id="correction-sent">{{ pick('Đã gửi yêu cầu cập nhật', 'Update request sent') }} — {{ done.name }}{% if done.applied %} · {{ pick('đơn vị đã cập nhật', 'the system has updated it') }}{% else %} · {{ pick('đơn vị sẽ xử lý', 'the system will process it') }}{% endif %} · {{ pick('mã yêu cầu', 'request') }} <strong>{{ done.reference }}</strong>.</p>{% endif %}
{% for r in partner_records %}
<section class="card record" data-system="{{ r.system }}">
  <h2>{{ pick(r.name.vi, r.name.en) }}</h2>
  {% if not r.mismatches %}<p class="ok">{{ pick('Khớp với thẻ căn cước.', 'Matches your ID card.') }}</p>{% endif %}
  {% for m in r.mismatches %}
  <div class="mismatch" data-field="{{ m.field }}">
    <p><strong>{{ field_sentence(m, r) }}</strong></p>
    <dl><dt>{{ pick('Đơn vị đang lưu', 'The system holds') }}</dt><dd>{{ shown(m.field, m.held) }}</dd>
        <dt>{{ pick('Trên thẻ căn cước', 'On your ID card') }}</dt><dd>{{ shown(m.field, m.card) }}</dd></dl>
    {% if m.pending %}
    <p class="notice" data-pending="{{ m.pending }}">{{ pick('Đã gửi yêu cầu cập nhật theo thẻ, đang chờ đơn vị xử lý — mã yêu cầu', 'An update request with your card’s details was sent and is waiting to be processed — request') }} <strong>{{ m.pending }}</strong>.</p>
    {% elif m.correctable %}
    <a class="button big" href="{{ url_for('records.confirm', system=r.system, field=m.field) }}">{{ pick('Yêu cầu cập nhật theo thẻ', 'Ask them to use my card’s details') }}</a>
    {% else %}<p>{{ pick('Đơn vị này chưa nhận yêu cầu sửa qua trạm; vui lòng liên hệ trực tiếp.', 'This system does not take corrections through the station yet; please contact it directly.') }}</p>{% endif %}
  </div>
  {% endfor %}
</section>
{% else %}
<p>{{ pick('Chưa có đơn vị nào tại trạm này có hồ sơ của bạn để đối chiếu.', 'No system at this station holds a record of you to compare.') }}</p>
{% endfor %}
<p><a class="button" href="{{ url_for('shell.home') }}">{{ pick('Về trang chủ', 'Home') }}</a></p>
{% endblock %}
"""

CONFIRM = """{% extends "base.html" %}
{% block title %}{{ pick('Xác nhận yêu cầu cập nhật', 'Confirm the update request') }}{% endblock %}
{% block content %}
<h1>{{ pick('Xác nhận yêu cầu cập nhật', 'Confirm the update request') }}</h1>
<section class="card">
  <p>{{ pick('Trạm sẽ gửi tới', 'The station will send to') }} <strong>{{ pick(record.name.vi, record.name.en) }}</strong>
     {{ pick('yêu cầu cập nhật', 'a request to update') }} <strong>{{ field_name }}</strong>
     {{ pick('theo thẻ căn cước của bạn:', 'to what your ID card says:') }}</p>
  <p class="big" id="new-value">{{ shown(mismatch.field, mismatch.card) }}</p>
  <p>{{ pick('Thay cho:', 'Instead of:') }} {{ shown(mismatch.field, mismatch.held) }}</p>
  <form method="post" action="{{ url_for('records.correct') }}">
    <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
    <input type="hidden" name="system" value="{{ record.system }}">
    <input type="hidden" name="field" value="{{ mismatch.field }}">
    <button type="submit" class="big" id="send-correction">{{ pick('Gửi yêu cầu', 'Send the request') }}</button>
    <a class="button" href="{{ url_for('records.index') }}">{{ pick('Quay lại', 'Back') }}</a>
  </form>
</section>
{% endblock %}
"""

_SYSTEM_WORDS = {"full_name": ("Họ tên", "The name"), "date_of_birth": ("Ngày sinh", "The date of birth"),
                 "sex": ("Giới tính", "The sex"), "address": ("Địa chỉ", "The address")}
_CARD_WORDS = {"full_name": ("họ tên trên thẻ căn cước", "the name on your ID card"),
               "date_of_birth": ("ngày sinh trên thẻ căn cước", "the date of birth on your ID card"),
               "sex": ("giới tính trên thẻ căn cước", "the sex on your ID card"),
               "address": ("nơi thường trú trên thẻ căn cước", "the permanent residence on your ID card")}


def field_sentence(mismatch: Any, record: Any) -> str:
    """``Địa chỉ trên hồ sơ Ngân hàng Mô phỏng khác với nơi thường trú trên thẻ căn cước.``, or
    in the system's own words for its field: ``Địa chỉ trên hoá đơn điện khác với nơi thường trú
    trên thẻ căn cước.``"""
    card_vi, card_en = _CARD_WORDS[mismatch.field]
    label = record.labels.get(mismatch.field)
    if label:
        return pick(f"{label['vi']} khác với {card_vi}.", f"{label['en'] or label['vi']} differs from {card_en}.")
    subject_vi, subject_en = _SYSTEM_WORDS[mismatch.field]
    return pick(f"{subject_vi} trên hồ sơ {record.name['vi']} khác với {card_vi}.",
                f"{subject_en} in the {record.name['en']} record differs from {card_en}.")


def shown(field: str, value: str) -> str:
    """A value as the citizen reads it: dates dd/mm/yyyy, sex in words."""
    from datetime import date

    if field == "date_of_birth":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if field == "sex" and value in ("male", "female"):
        return pick("Nam", "Male") if value == "male" else pick("Nữ", "Female")
    return value


def _identity() -> Any:
    identity = load_identity()
    if identity is None:
        raise UserInputError(Text(vi="Vui lòng xác thực bằng thẻ căn cước gắn chip hoặc VNeID trước.",
                                  en="Please identify with your chip ID card or VNeID first."))
    return identity


def _citizen_id() -> int:
    import flask_login

    return int(flask_login.current_user.citizen_id)


@records.get("/")
@requires("records.check")
def index() -> str:
    """The comparison, and what was just sent."""
    station = current_station()
    identity = _identity()
    found = service.gather(station, identity)
    service.note_resolved(station, identity, found, station.clock())
    counted = set(session.get(SESSION_COUNTED, []))
    fresh = service.note_mismatches(found, counted, station.clock())
    if fresh:
        session[SESSION_COUNTED] = sorted(counted | fresh)
    done = session.pop("_records_done", None)
    return render_template_string(PAGE, partner_records=found, field_sentence=field_sentence, done=done,
                                  shown=shown)


@records.get("/confirm")
@requires("records.check")
def confirm() -> Any:
    """What will be sent, to whom, before it is sent."""
    station = current_station()
    found = service.gather(station, _identity())
    record = next((r for r in found if r.system == request.args.get("system")), None)
    mismatch = next((m for m in (record.mismatches if record else []) if m.field == request.args.get("field")), None)
    if record is None or mismatch is None or not mismatch.correctable or mismatch.pending:
        return redirect(url_for("records.index"))
    vi, en = FIELDS[mismatch.field]
    return render_template_string(CONFIRM, record=record, mismatch=mismatch, field_name=pick(vi.lower(), en.lower()),
                                  shown=shown)


@records.post("/correct")
@requires("records.check")
def correct() -> Any:
    """Send the confirmed correction (the card's value, taken from the session, not the form)."""
    station = current_station()
    identity = _identity()
    system, field_name = request.form.get("system", ""), request.form.get("field", "")
    answer = service.correct(station, identity, _citizen_id(), system, field_name, station.clock())
    name = next((r.name for r in service.gather(station, identity) if r.system == system), {"vi": system, "en": system})
    session["_records_done"] = {"name": pick(name["vi"], name["en"]), "applied": answer["applied"],
                                "reference": str(answer["reference"])[:64]}
    return redirect(url_for("records.index"))
