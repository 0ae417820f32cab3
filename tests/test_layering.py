"""Layering rules of ARCHITECTURE section 1, checked on the source tree."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _python_files("plugins"), ids=lambda p: str(p.relative_to(ROOT)))
def test_plugins_import_only_sdk_never_core_or_hal(path):
    forbidden = _imported_top_levels(path) & {"core", "hal"}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}; plugins may import only sdk"


@pytest.mark.parametrize("path", _python_files("hal"), ids=lambda p: str(p.relative_to(ROOT)))
def test_hal_imports_no_flask_core_sdk_or_plugins(path):
    forbidden = _imported_top_levels(path) & {"flask", "core", "sdk", "plugins", "flask_login"}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}; hal stands alone"


def test_the_layering_check_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from core.db import database\nimport hal.model\n")
    assert _imported_top_levels(bad) >= {"core", "hal"}
