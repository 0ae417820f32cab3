"""station plugin new / check: a scaffolded package installs from its wheel, is found through
the entry point, passes the check and its own tests; the check names each problem (exit 2)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from plugin_wheels import build_wheel, fresh_venv_with, run_tests_against_installed

from core.cli import main


def _station(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def scaffolded(tmp_path, capsys) -> Path:
    code, out = _station(capsys, "plugin", "new", "vax_demo", "--into", str(tmp_path / "src"),
                         "--publisher", "Nhà thuốc An Khang", "--title-vi", "Đặt lịch tiêm", "--title-en",
                         "Vaccination booking")
    assert code == 0 and "created" in out
    return tmp_path / "src" / "vax_demo"


def test_the_scaffold_is_a_complete_package_that_passes_the_check(scaffolded, capsys):
    for relative in ("pyproject.toml", "README.md", "babel.cfg", ".github/workflows/ci.yml", "vax_demo/manifest.toml",
                     "vax_demo/views.py", "vax_demo/models.py", "vax_demo/migrations/0001_initial.py",
                     "vax_demo/templates/vax_demo/index.html", "tests/test_vax_demo.py",
                     "vax_demo/translations/vi/LC_MESSAGES/messages.po",
                     "vax_demo/translations/vi/LC_MESSAGES/messages.mo"):
        assert (scaffolded / relative).is_file(), relative
    code, out = _station(capsys, "plugin", "check", str(scaffolded))
    assert code == 0 and "vax_demo: ok" in out and "translations" in out and "package data" in out


def test_the_scaffold_installs_from_its_wheel_into_a_fresh_venv_and_its_tests_pass(scaffolded, tmp_path):
    wheel = build_wheel(scaffolded, tmp_path / "dist")
    python = fresh_venv_with(wheel, tmp_path / "venv")
    found = subprocess.run([str(python), "-c", "from importlib.metadata import entry_points; import vax_demo; "
                            "print([e.name for e in entry_points(group='citizen_station.plugins')], vax_demo.__file__)"],
                           capture_output=True, text=True, check=True).stdout
    # the plugin is found through the same entry-point group as the station's own built-in plugins
    assert "'vax_demo'" in found and "'healthcare'" in found
    assert str(tmp_path / "venv") in found        # from the wheel, not the sources
    installed = Path(found.split()[-1]).parent
    check = subprocess.run([str(python), "-m", "core.cli", "plugin", "check", str(installed)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    result = run_tests_against_installed(python, scaffolded / "tests", tmp_path / "run")
    assert result.returncode == 0 and "4 passed" in result.stdout, result.stdout + result.stderr


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_check_names_each_problem_and_exits_2(scaffolded, capsys):
    package = scaffolded / "vax_demo"
    _edit(package / "views.py", '@requires("vax_demo.use")\ndef create', '@requires("vax_demo.manage")\ndef create')
    _edit(package / "views.py", "from .models import Request\n",
          "from .models import Request\nfrom sdk.devices import measure\nfrom sdk.printing import print_receipt\n\n"
          "def _vitals():\n    measure(\"thermometre\")\n    print_receipt([\"x\"])\n")
    _edit(package / "models.py", '    """One request', '    data_category = "health"\n    """One request')
    _edit(package / "manifest.toml", 'sdk = ">=1.1,<2"', 'sdk = ">=2.0,<3"')
    _edit(package / "translations/vi/LC_MESSAGES/messages.po", 'msgstr "Gửi"', 'msgstr ""')
    _edit(package / "templates/vax_demo/index.html", '_("Send")', '_("Send now")')
    _edit(scaffolded / "pyproject.toml", '"translations/**/*"]', "]")
    code, out = _station(capsys, "plugin", "check", str(scaffolded))
    assert code == 2
    for expected in ("permission 'vax_demo.manage' is used but not declared",
                     "unknown device kind 'thermometre'",
                     "uses a receipt_printer but manifest.toml [[devices]] does not declare it",
                     "model Request stores 'health' data but manifest.toml [[data]] does not declare",
                     "does not include this station's sdk",
                     "'Send' has no translation",
                     "'Send now' is marked with _() but not in the catalogue",
                     "messages.mo: stale",
                     "vax_demo/translations/vi/LC_MESSAGES/messages.po would not be in the wheel"):
        assert expected in out, expected


def test_an_invalid_manifest_or_a_folder_without_plugin_is_named(scaffolded, tmp_path, capsys):
    _edit(scaffolded / "vax_demo" / "manifest.toml", 'category = "other"', 'category = "bakery"')
    code, out = _station(capsys, "plugin", "check", str(scaffolded))
    assert code == 2 and "manifest" in out and "category" in out and "Traceback" not in out
    code, out = _station(capsys, "plugin", "check", str(tmp_path))
    assert code == 2 and "no plugin here" in out


def test_plugin_new_refuses_a_bad_name_or_an_existing_folder(scaffolded, capsys):
    code, out = _station(capsys, "plugin", "new", "Vax-Demo", "--into", str(scaffolded.parent))
    assert code == 2 and "lower-case letter" in out
    code, out = _station(capsys, "plugin", "new", "vax_demo", "--into", str(scaffolded.parent))
    assert code == 2 and "already exists" in out


def test_the_plugin_translation_workflow_is_babel_and_the_check_follows_it(scaffolded, capsys):
    import sys

    def pybabel(*args):
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=scaffolded, check=True,
                       capture_output=True)

    template = scaffolded / "vax_demo" / "templates" / "vax_demo" / "index.html"
    _edit(template, "{% endblock %}", '<p>{{ _("Bring your vaccination book.") }}</p>\n{% endblock %}')
    code, out = _station(capsys, "plugin", "check", str(scaffolded))
    assert code == 2 and "'Bring your vaccination book.' is marked with _() but not in the catalogue" in out
    pybabel("extract", "-F", "babel.cfg", "--no-location", "-o", "messages.pot", ".")
    pybabel("update", "-i", "messages.pot", "-d", "vax_demo/translations", "--no-fuzzy-matching")
    code, out = _station(capsys, "plugin", "check", str(scaffolded))
    assert code == 2 and "'Bring your vaccination book.' has no translation" in out
    po = scaffolded / "vax_demo" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
    _edit(po, 'msgid "Bring your vaccination book."\nmsgstr ""',
          'msgid "Bring your vaccination book."\nmsgstr "Hãy mang theo sổ tiêm chủng."')
    code, out = _station(capsys, "plugin", "check", str(scaffolded))
    assert code == 2 and "messages.mo: stale" in out
    pybabel("compile", "-d", "vax_demo/translations")
    code, out = _station(capsys, "plugin", "check", str(scaffolded))
    assert code == 0, out
