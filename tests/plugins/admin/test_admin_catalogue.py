"""The procedure catalogue: national codes, data files a manager can extend, clear errors."""

from __future__ import annotations

import pytest

from plugins.admin.catalogue import CatalogueError, is_procedure_code, load_catalogue

EXTRA = """
code = "2.000635"
name = { vi = "Cấp bản sao Trích lục hộ tịch", en = "Copy of a civil status extract" }
field = { vi = "Hộ tịch", en = "Civil status" }
authority = { vi = "UBND cấp xã", en = "Commune People's Committee" }
processing_working_days = 1
fee_vnd = 8000
[[fields]]
name = "full_name"
prefill = "full_name"
label = { vi = "Họ tên", en = "Name" }
"""


def test_built_in_catalogue_has_the_procedures_by_national_code_with_documents_time_fee_and_authority():
    catalogue = load_catalogue()
    assert {"1.004222", "1.004194", "1.001193", "3.000333"} <= set(catalogue)
    residence = catalogue["1.004222"]
    assert residence.name["vi"] == "Đăng ký thường trú" and residence.processing_working_days == 7
    assert residence.fee_vnd == 10000 and "Công an" in residence.authority["vi"]
    assert residence.document("proof_of_residence").required
    assert catalogue["1.001193"].fee_vnd == 0
    assert all(p.source for p in catalogue.values())
    assert all(is_procedure_code(code) for code in catalogue)


def test_identity_fields_are_read_only_and_the_others_editable():
    fields = {f.name: f for f in load_catalogue()["1.004222"].fields}
    assert fields["full_name"].read_only and fields["date_of_birth"].read_only
    assert not fields["new_address"].read_only


def test_a_station_folder_adds_and_overrides_procedures(tmp_path):
    (tmp_path / "2.000635.toml").write_text(EXTRA, encoding="utf-8")
    override = (load_catalogue()["1.004222"].source, )
    (tmp_path / "1.004222.toml").write_text(EXTRA.replace("2.000635", "1.004222"), encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    assert catalogue["2.000635"].fee_vnd == 8000 and catalogue["2.000635"].origin == "station file 2.000635.toml"
    assert catalogue["1.004222"].fee_vnd == 8000 and override


@pytest.mark.parametrize("change, words", [
    (lambda t: t.replace('code = "2.000635"', 'code = "2635"'), "code"),
    (lambda t: t.replace("fee_vnd = 8000", "fee_vnd = -1"), "fee_vnd"),
    (lambda t: t.replace('prefill = "full_name"', 'prefill = "bank_account"'), "fields.0.prefill"),
    (lambda t: t + "[[fields]]\nname = \"x\"\ntype = \"choice\"\nlabel = { vi = \"a\", en = \"b\" }\n", "choices"),
    (lambda t: t.replace("processing_working_days = 1", 'processing_working_days = "one"'), "processing"),
    (lambda t: t + "oops = [", "cannot be read"),
])
def test_a_broken_station_file_is_refused_naming_the_file_and_field(tmp_path, change, words):
    (tmp_path / "2.000635.toml").write_text(change(EXTRA), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    assert "2.000635.toml" in str(caught.value) and words in str(caught.value)


def test_plugin_with_a_broken_station_folder_fails_at_startup_and_the_station_keeps_serving(admin_app, tmp_path):
    (tmp_path / "bad.toml").write_text("code = 1", encoding="utf-8")
    app = admin_app(settings={"extra_procedures_dir": str(tmp_path)})
    record = app.extensions["station"].plugins.records["admin"]
    assert record.state.lower() == "failed" and "bad.toml" in " ".join(record.reasons)
    assert app.test_client().get("/s/admin/").status_code == 404


def test_catalogue_pages_are_public_and_show_time_fee_and_authority(admin_app):
    client = admin_app().test_client()
    index = client.get("/s/admin/").get_data(as_text=True)
    assert "1.004194" in index and "Đăng ký tạm trú" in index
    page = client.get("/s/admin/procedures/3.000333").get_data(as_text=True)
    assert "200.000 ₫" in page and "10 ngày làm việc" in page and "Công an cấp tỉnh" in page
    assert client.get("/s/admin/procedures/9.999999").status_code == 404
