"""Translations: Flask-Babel catalogues for the core and for each plugin."""

from __future__ import annotations

from gettext import GNUTranslations
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.i18n import CORE_TRANSLATIONS, _, plugin_translation_dirs

ROOT = Path(__file__).resolve().parents[2]


def _po(lang: str, base: Path = CORE_TRANSLATIONS):
    with open(base / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("base", [CORE_TRANSLATIONS, ROOT / "tests/web/fixtures/plugins/fx_translated/translations"])
def test_committed_mo_files_match_their_po_sources(base):
    for po_file in base.glob("*/LC_MESSAGES/messages.po"):
        lang = po_file.parent.parent.name
        fresh = BytesIO()
        write_mo(fresh, _po(lang, base))
        fresh.seek(0)
        expected = GNUTranslations(fresh)._catalog
        with open(po_file.with_suffix(".mo"), "rb") as f:
            committed = GNUTranslations(f)._catalog
        expected.pop("", None), committed.pop("", None)  # headers carry dates
        assert committed == expected, \
            f"{po_file.with_suffix('.mo')} is stale: run `pybabel compile -d {base.relative_to(ROOT)}`"


def test_every_string_of_the_kiosk_and_console_has_a_vietnamese_translation():
    method_map = [("core/**.py", "python"), ("core/web/templates/**.html", "jinja2")]
    found = {message for _file, _line, message, _comments, _ctx in
             extract_from_dir(str(ROOT), method_map=method_map, options_map={"core/web/templates/**.html": {}})
             if isinstance(message, str)}
    catalogue = _po("vi")
    missing = sorted(m for m in found if not (catalogue.get(m) and catalogue.get(m).string))
    assert missing == [], f"untranslated (extract, update core/translations/vi/.../messages.po, compile): {missing}"


def test_underscore_outside_a_request_returns_the_text_with_values():
    assert _("Your number is %(n)s", n=3) == "Your number is 3"


def test_plugin_translation_folders_are_found_only_where_they_exist(tmp_path):
    (tmp_path / "a" / "translations").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    assert plugin_translation_dirs({"a": tmp_path / "a", "b": tmp_path / "b", "c": None}) == {
        "a": tmp_path / "a" / "translations"}


def test_kiosk_speaks_vietnamese_by_default_and_english_on_request(web_station):
    client = web_station.test_client()
    assert "Kết thúc và xoá phiên" in client.get("/").get_data(as_text=True)
    assert "Finish and forget me" in client.get("/?lang=en").get_data(as_text=True)


def test_a_plugin_catalogue_translates_its_pages_and_may_reword_core_strings_there(web_station):
    client = web_station.test_client()
    page = client.get("/s/fx_translated/").get_data(as_text=True)
    assert "Xin chào từ dịch vụ" in page and "Số của bạn là 7" in page
    assert "Xong, quên tôi đi" in page  # the plugin's own wording wins on its pages...
    assert "Xong, quên tôi đi" not in client.get("/").get_data(as_text=True)  # ...and only there
    english = client.get("/s/fx_translated/?lang=en").get_data(as_text=True)
    assert "Hello from the plugin" in english and "Your number is 7" in english
