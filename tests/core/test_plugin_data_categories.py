"""A plugin's PersonalDataModel tables belong to the plugin the station loaded, and their data
categories are checked against the manifest at load — not at the first write."""

import secrets
import textwrap


def _plugin(folder, plugin_id, category, declared):
    package = folder / plugin_id
    package.mkdir(parents=True)
    data = f'[[data]]\ncategory = "{declared}"\n[data.purpose]\nvi = "Ví dụ"\nen = "Example"\n' if declared else ""
    (package / "manifest.toml").write_text(textwrap.dedent(f"""\
        id = "{plugin_id}"
        version = "1.0.0"
        publisher = "Partner"
        category = "other"
        sdk = ">=1.0,<2"
        [name]
        vi = "Thử"
        en = "Test"
        """) + data, encoding="utf-8")
    (package / "__init__.py").write_text(textwrap.dedent(f"""\
        import peewee
        from sdk import EncryptedTextField, PersonalDataModel

        class Secret(PersonalDataModel):
            data_category = "{category}"
            citizen_id = peewee.IntegerField()
            value = EncryptedTextField()

            class Meta:
                table_name = "{plugin_id}_secret"
        """), encoding="utf-8")


def test_an_undeclared_category_fails_the_plugin_at_load_naming_the_model(make_station, tmp_path):
    plugin_id = f"px_{secrets.token_hex(3)}"
    _plugin(tmp_path, plugin_id, "health", declared=None)
    app = make_station(plugins=[plugin_id], plugin_paths=(tmp_path,))
    record = app.extensions["station"].plugins.records[plugin_id]
    assert record.state.value == "failed"
    assert any("model Secret stores 'health' data" in reason for reason in record.reasons), record.reasons


def test_a_declared_category_binds_the_model_to_the_loaded_plugin(make_station, tmp_path):
    plugin_id = f"px_{secrets.token_hex(3)}"
    _plugin(tmp_path, plugin_id, "health", declared="health")
    app = make_station(plugins=[plugin_id], plugin_paths=(tmp_path,))
    record = app.extensions["station"].plugins.records[plugin_id]
    assert record.state.value == "active", record.reasons
    assert record.module.Secret.owner_plugin() == plugin_id
