"""The sdk 1.0 surface, frozen: sdk 1.x never breaks a plugin written against 1.0.

Each name sdk 1.0 published (docs/sdk/CHANGELOG.md, "1.0.0") must still import from the same
place and accept every argument it accepted then. Adding is fine; removing or renaming a name,
or dropping or renaming a parameter, fails here — deprecate with a warning instead. A plugin
written against 1.0 (tests/fixtures/plugins/fx_example) keeps loading and passing its tests
in tests/core.
"""

from __future__ import annotations

import importlib
import inspect
import warnings

import pytest

#: module → {name: parameters it took in 1.0 (None: not a callable we pin)}.
SURFACE_1_0: dict[str, dict[str, tuple[str, ...] | None]] = {
    "sdk": {
        "hookimpl": None, "API_VERSION": None, "ManifestSchema": None, "Manifest": None,
        "parse_manifest": ("raw", "source"),
        "requires": ("permission", "assurance", "step_up"), "public": ("view", "csrf"),
        "Tile": ("title", "url", "icon", "order", "subtitle"), "Panel": ("title", "url", "order"),
        "current_citizen": (), "current_staff": (), "current_plugin_id": (), "plugin_settings": ("plugin_id",),
        "now": (), "Model": None, "_": ("text",), "pick": ("vi", "en"), "current_language": (),
        "StationError": None, "UserInputError": None, "NotFoundError": None, "PermissionDenied": None,
        "audit": ("action", "plugin", "object_ref", "outcome", "details", "actor"), "transaction": None,
        "AuditReceipt": None, "verified_identity": (), "citizen_matches_id_number": ("id_number",),
        "get_owned": ("model", "object_id", "owner_field", "staff_permission"),
        "CitizenView": ("id", "assurance", "method"), "StaffView": ("id", "username", "roles"),
        "PersonalDataModel": None, "EncryptedTextField": None, "EncryptedJSONField": None,
        "require_consent": ("category",), "ensure_consent": ("category", "citizen_id", "plugin_id"),
        "has_consent": None, "ConsentRequired": None, "read_personal": ("rows", "purpose"),
        "record_read": ("citizen_id", "category", "purpose", "what"), "access_context": None,
        "DataErased": None, "DecryptionError": None, "PlaintextRefused": None, "UndeclaredCategory": None,
        "PrivacyError": None,
    },
    "sdk.connectors": {"Connector": None, "Simulator": None, "connector": ("name", "registry"),
                       "ConnectorUnavailable": None},
    "sdk.devices": {"device": ("kind", "capabilities"), "measure": ("kind", "timeout"),
                    "use_device": ("kind", "action", "busy_message"),
                    "DeviceUnavailable": ("message", "code", "retry")},
    "sdk.payments": {"start_payment": None, "get_payment": None},
    "sdk.printing": {"print_receipt": ("lines", "qr", "title_lines")},
    "sdk.consent": {"consent_purposes": ("category", "plugin_id"), "grant_consent": ("category",),
                    "withdraw_consent": ("category",)},
    "sdk.vietqr": {}, "sdk.banks": {}, "sdk.cards": {"read_verified_card_portrait": ()},
    "sdk.biometrics": {"verify_face": ("reference_jpeg", "timeout")},
    "sdk.uploads": {"check_upload": ("data", "filename", "allowed")},
    "sdk.testing": {"FakeClock": None, "require_postgres": (), "TemporaryPostgresDatabase": None,
                    "wait_until": ("predicate", "timeout", "interval")},
}

#: The pytest fixtures sdk 1.0 registered (they must still resolve, perhaps with a warning).
FIXTURES_1_0 = ("make_station", "station_app", "client", "login_citizen", "login_staff", "csrf_token",
                "station_clock")


@pytest.mark.parametrize("module_name", sorted(SURFACE_1_0))
def test_every_1_0_name_still_imports_and_accepts_its_1_0_arguments(module_name):
    module = importlib.import_module(module_name)
    for name, params in SURFACE_1_0[module_name].items():
        assert hasattr(module, name), f"{module_name}.{name} was removed (sdk 1.0 published it)"
        if params is None:
            continue
        target = getattr(module, name)
        signature = inspect.signature(target)
        accepted = set(signature.parameters)
        takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
        missing = [p for p in params if p not in accepted and not takes_kwargs]
        assert not missing, f"{module_name}.{name} no longer accepts {missing} (sdk 1.0 did)"


def test_the_1_0_manifest_range_is_still_satisfied():
    from packaging.specifiers import SpecifierSet

    import sdk

    assert SpecifierSet(">=1.0,<2").contains(sdk.API_VERSION)


def test_the_1_0_fixture_names_still_resolve(pytester):
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.parametrize("name", {list(FIXTURES_1_0)!r})
        def test_resolves(request, name):
            assert request.getfixturevalue(name) is not None
    """)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(FIXTURES_1_0))


pytest_plugins = ("pytester",)
