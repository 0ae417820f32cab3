"""The sdk reference is generated from the code (Sphinx autodoc), builds without a single
warning, and documents every public sdk name and every hook (with an example)."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "sdk" / "reference"
#: The public sdk modules: ``sdk`` itself and the submodules a plugin imports by name.
PUBLIC_MODULES = ("sdk", "sdk.devices", "sdk.printing", "sdk.privacy", "sdk.consent", "sdk.payments", "sdk.alerts",
                  "sdk.connectors", "sdk.vietqr", "sdk.banks", "sdk.cards", "sdk.biometrics", "sdk.uploads",
                  "sdk.lists", "sdk.formatting", "sdk.testing")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> str:
    """Build the reference with warnings as errors; all generated HTML as one text."""
    out = tmp_path_factory.mktemp("sdk-reference")
    # a process of its own: docutils keeps global state that other in-process runs disturb
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d",
                            str(out / ".doctrees"), str(REFERENCE), str(out)], capture_output=True, text=True)
    assert build.returncode == 0, f"the sdk reference has Sphinx warnings:\n{build.stderr}"
    return "\n".join(page.read_text(encoding="utf-8") for page in out.glob("*.html"))


def public_names() -> list[tuple[str, str, object]]:
    """(module, name, object) for every name a plugin may import."""
    found = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        assert hasattr(module, "__all__"), f"{module_name} must list its public names in __all__"
        found += [(module_name, name, getattr(module, name)) for name in module.__all__]
    return found


def test_every_public_sdk_name_is_in_the_reference_with_a_docstring(built):
    import sdk

    undocumented = []
    for module_name, name, value in public_names():
        ids = {f'id="{module_name}.{name}"'} | ({f'id="sdk.{name}"'} if name in sdk.__all__ else set())
        if not any(anchor in built for anchor in ids):
            undocumented.append(f"{module_name}.{name}: not in the generated reference")
        elif (inspect.isclass(value) or inspect.isfunction(value)) and not inspect.getdoc(value):
            undocumented.append(f"{module_name}.{name}: no docstring")
    assert not undocumented, "\n".join(undocumented)


def test_every_hook_is_in_the_reference_with_an_example(built):
    from core import hookspecs

    hooks = [name for name, value in vars(hookspecs).items()
             if inspect.isfunction(value) and hasattr(value, "citizen_station_spec")]
    assert len(hooks) >= 11
    page = (REFERENCE / "hooks.rst").read_text(encoding="utf-8")
    sections = dict(re.findall(r"\n(\w+)\n-+\n(.*?)(?=\n\w+\n-+\n|\Z)", page, flags=re.S))
    problems = []
    for hook in hooks:
        if f'id="core.hookspecs.{hook}"' not in built:
            problems.append(f"{hook}: not in the generated reference")
        elif "Example::" not in sections.get(hook, ""):
            problems.append(f"{hook}: its section in docs/sdk/reference/hooks.rst has no example")
    assert not problems, "\n".join(problems)


def test_the_docs_test_notices_an_undocumented_name(built, monkeypatch):
    import sdk.banks

    monkeypatch.setattr(sdk.banks, "__all__", [*sdk.banks.__all__, "brand_new_helper"], raising=True)
    monkeypatch.setattr(sdk.banks, "brand_new_helper", lambda: None, raising=False)
    with pytest.raises(AssertionError, match="sdk.banks.brand_new_helper"):
        test_every_public_sdk_name_is_in_the_reference_with_a_docstring(built)
