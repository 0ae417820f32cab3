"""``station plugin new NAME``: a complete external plugin package whose tests pass at once.

The files are plain templates below (``{id}``, ``{title_vi}``... filled with ``str.format``
after doubling the braces that belong to Jinja, TOML or Python). The package is what
docs/plugins.md walks through: pyproject with the entry point and package data, manifest,
one page, one model with its migration, tests using ``sdk.testing``, a Vietnamese catalogue
(compiled), a README and a CI workflow.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import UserInputError
from core.manifest import PLUGIN_ID

PYPROJECT = '''[build-system]
requires = ["setuptools>=68", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "citizen-station-{dist}"
version = "0.1.0"
description = "{title_en} — a Citizen Station plugin"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["citizen-station"]

[project.entry-points."citizen_station.plugins"]
{id} = "{id}"

[tool.setuptools]
packages = ["{id}"]

[tool.setuptools.package-data]
{id} = ["manifest.toml", "migrations/*.py", "templates/**/*", "translations/**/*"]

[tool.pytest.ini_options]
testpaths = ["tests"]
'''

MANIFEST = '''id = "{id}"
version = "0.1.0"
publisher = "{publisher}"
category = "other"
sdk = ">=1.1,<2"
min_assurance = "basic"

[name]
vi = "{title_vi}"
en = "{title_en}"

[[permissions]]
id = "{id}.use"
default_roles = ["citizen"]
[permissions.description]
vi = "Dùng dịch vụ {title_vi}"
en = "Use {title_en}"
'''

INIT = '''"""{title_en}: hook implementations only — the wiring, readable in one screen."""

from __future__ import annotations

from typing import Any

from flask import url_for

from sdk import Tile, hookimpl

from .models import Request
from .views import bp


@hookimpl
def register_routes(registrar: Any) -> None:
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen: Any) -> list[Tile]:
    return [Tile(title={{"vi": "{title_vi}", "en": "{title_en}"}}, url=url_for("{id}.index"), icon="service")]


@hookimpl
def citizen_data_export(citizen: Any) -> dict[str, Any]:
    rows = Request.select().where(Request.citizen_id == citizen.id).order_by(Request.id)
    return {{"requests": [{{"subject": r.subject, "created_at": r.created_at}} for r in rows]}}


@hookimpl
def citizen_data_erase(citizen: Any) -> None:
    Request.delete().where(Request.citizen_id == citizen.id).execute()
'''

MODELS = '''"""The plugin's own table (created by migrations/0001_initial.py)."""

import peewee

from sdk import Model


class Request(Model):
    """One request a citizen made at the kiosk."""

    citizen_id = peewee.IntegerField(index=True)
    subject = peewee.CharField(max_length=120)
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "{id}_request"
'''

MIGRATION = '''"""Create the {id}_request table. ``db`` is the station's peewee database."""

import peewee


def migrate(db):
    class Request(peewee.Model):
        citizen_id = peewee.IntegerField(index=True)
        subject = peewee.CharField(max_length=120)
        created_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "{id}_request"

    db.create_tables([Request])
'''

VIEWS = '''"""Pages of {title_en}: every view declares who may use it (default deny)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from sdk import UserInputError, _, audit, current_citizen, now, requires, transaction

from .models import Request

bp = Blueprint("{id}", __name__, template_folder="templates")


@bp.route("/")
@requires("{id}.use")
def index() -> Any:
    """The citizen's requests and a form for a new one."""
    rows = Request.select().where(Request.citizen_id == current_citizen().id).order_by(Request.id.desc())
    return render_template("{id}/index.html", requests=list(rows))


@bp.route("/requests", methods=["POST"])
@requires("{id}.use")
def create() -> Any:
    """Record a request and its audit entry in one transaction."""
    subject = request.form.get("subject", "").strip()
    if not subject or len(subject) > 120:
        raise UserInputError(_("Please type what you need (at most 120 characters)."))
    with transaction():
        row = Request.create(citizen_id=current_citizen().id, subject=subject, created_at=now())
        audit("{id}.request", object_ref=f"request:{{row.id}}")
    return redirect(url_for("{id}.index"), code=303)
'''

TEMPLATE = '''{{% extends "base.html" %}}
{{% import "sdk/ui.html" as ui %}}
{{% block content %}}
{{{{ ui.title(_("{title_en}")) }}}}
<section class="card">
  <h2>{{{{ _("Your requests") }}}}</h2>
  {{% for r in requests %}}<p class="request">{{{{ r.subject }}}}</p>{{% else %}}<p id="none">{{{{ _("No requests yet.") }}}}</p>{{% endfor %}}
</section>
<form method="post" action="{{{{ url_for('{id}.create') }}}}" class="card">
  <input type="hidden" name="csrf_token" value="{{{{ csrf_token() }}}}">
  <label for="subject">{{{{ _("What do you need?") }}}}</label>
  <input id="subject" name="subject" maxlength="120" required>
  <button type="submit">{{{{ _("Send") }}}}</button>
</form>
{{% endblock %}}
'''

#: English message id → Vietnamese, for the generated catalogue.
MESSAGES = {
    "{title_en}": "{title_vi}",
    "Your requests": "Yêu cầu của bạn",
    "No requests yet.": "Chưa có yêu cầu nào.",
    "What do you need?": "Bạn cần gì?",
    "Send": "Gửi",
    "Please type what you need (at most 120 characters).": "Vui lòng nhập điều bạn cần (tối đa 120 ký tự).",
}

TESTS = '''"""Tests of {title_en}, with the station's pytest plugin (sdk.testing)."""

from sdk.testing import audit_entries


def test_anonymous_visitors_are_sent_to_login(station_factory):
    client = station_factory(plugins=["{id}"]).test_client()
    response = client.get("/s/{id}/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_citizen_makes_a_request_and_it_is_audited(station_factory, login_citizen, station_csrf_token):
    app = station_factory(plugins=["{id}"])
    client = app.test_client()
    login_citizen(client, assurance="basic")
    sent = client.post("/s/{id}/requests", data={{"subject": "Giấy hẹn", "csrf_token": station_csrf_token(client)}})
    assert sent.status_code == 303
    assert "Giấy hẹn" in client.get("/s/{id}/").get_data(as_text=True)
    [entry] = audit_entries(app, action="{id}.request")
    assert entry["plugin"] == "{id}" and entry["outcome"] == "ok"


def test_an_empty_request_is_refused_with_a_message(station_factory, login_citizen, station_csrf_token):
    app = station_factory(plugins=["{id}"])
    client = app.test_client()
    login_citizen(client, assurance="basic")
    refused = client.post("/s/{id}/requests", data={{"subject": " ", "csrf_token": station_csrf_token(client)}})
    assert refused.status_code == 400 and "tối đa 120 ký tự" in refused.get_data(as_text=True)
    assert audit_entries(app, action="{id}.request") == []


def test_the_page_speaks_vietnamese_and_english(station_factory, login_citizen):
    client = station_factory(plugins=["{id}"]).test_client()
    login_citizen(client, assurance="basic")
    assert "Chưa có yêu cầu nào." in client.get("/s/{id}/").get_data(as_text=True)
    assert "No requests yet." in client.get("/s/{id}/?lang=en").get_data(as_text=True)
'''

README = '''# {title_en}

A [Citizen Station](https://example.invalid/citizen-station) plugin (id `{id}`).

    pip install -e . && pytest              # tests with the station's pytest fixtures
    station plugin check .                  # what the station will check before loading it
    pip wheel --no-deps -w dist .           # the wheel to ship

Translations: message ids are English in the code and templates (`_("...")`); the
Vietnamese is in `{id}/translations/vi/LC_MESSAGES/messages.po`. After changing texts:

    pybabel extract -F babel.cfg --no-location -o messages.pot .
    pybabel update -i messages.pot -d {id}/translations --no-fuzzy-matching
    # translate the new msgstr entries, then
    pybabel compile -d {id}/translations

`station plugin check` fails when a message has no translation or the `.mo` is stale.
'''

BABEL_CFG = '''[python: **.py]
[jinja2: **/templates/**.html]
'''

CI = '''name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install citizen-station -e .
      - run: station plugin check .
      - run: pytest -q
      - run: pip wheel --no-deps -w dist .
'''


def _po(values: dict[str, str]) -> str:
    header = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: vi\\n"\n\n')
    body = "".join(f'msgid "{en.format(**values)}"\nmsgstr "{vi.format(**values)}"\n\n' for en, vi in MESSAGES.items())
    return header + body


def compile_catalogue(po_path: Path) -> Path:
    """Compile ``messages.po`` next to it (``messages.mo``), as ``pybabel compile`` does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as source:
        catalogue = read_po(source)
    mo_path = po_path.with_suffix(".mo")
    with mo_path.open("wb") as target:
        write_mo(target, catalogue)
    return mo_path


def scaffold(plugin_id: str, into: Path, *, publisher: str = "Your company", title_vi: str | None = None,
             title_en: str | None = None) -> Path:
    """Write the package for ``plugin_id`` in ``into/<plugin_id>``; returns that folder.

    Refuses (:class:`UserInputError`) an invalid id or an existing folder.
    """
    try:
        PLUGIN_ID(plugin_id)
    except Exception:  # marshmallow's ValidationError: say it in the CLI's words
        raise UserInputError(f"plugin id {plugin_id!r}: must be 2-32 characters: a lower-case letter, then a-z, "
                             "0-9 or '_'") from None
    root = into / plugin_id
    if root.exists():
        raise UserInputError(f"{root} already exists; choose another name or folder")
    label = plugin_id.replace("_", " ").capitalize()
    values = {"id": plugin_id, "dist": plugin_id.replace("_", "-"), "publisher": publisher.replace('"', "'"),
              "title_vi": (title_vi or f"Dịch vụ {label}").replace('"', "'"),
              "title_en": (title_en or label).replace('"', "'")}
    files = {
        "pyproject.toml": PYPROJECT, "README.md": README, "babel.cfg": BABEL_CFG, ".github/workflows/ci.yml": CI,
        f"{plugin_id}/manifest.toml": MANIFEST, f"{plugin_id}/__init__.py": INIT, f"{plugin_id}/models.py": MODELS,
        f"{plugin_id}/views.py": VIEWS, f"{plugin_id}/migrations/0001_initial.py": MIGRATION,
        f"{plugin_id}/templates/{plugin_id}/index.html": TEMPLATE, f"tests/test_{plugin_id}.py": TESTS,
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    po_path = root / plugin_id / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True)
    po_path.write_text(_po(values), encoding="utf-8")
    compile_catalogue(po_path)
    return root
