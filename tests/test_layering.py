"""Layering rules of docs/architecture.md, declared as import-linter contracts in setup.cfg."""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"


def _lint(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT_IMPORTS, "--config", str(config), "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(cwd), "PATH": str(Path(sys.executable).parent)})


def test_the_source_tree_keeps_every_layering_contract():
    result = _lint(ROOT, ROOT / "setup.cfg")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_catch_a_plugin_importing_core_hal_importing_flask_and_core_importing_a_simulator(tmp_path):
    for package in ("core", "hal", "hal/sim", "sdk", "plugins", "plugins/admin", "plugins/banking"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "plugins" / "admin" / "views.py").write_text("import core\nimport plugins.banking\n")
    (tmp_path / "hal" / "driver.py").write_text("import flask\n")
    (tmp_path / "hal" / "sim" / "citizens.py").write_text("")
    (tmp_path / "core" / "simulation.py").write_text("import hal.sim.citizens\n")   # the one door: allowed
    (tmp_path / "core" / "login.py").write_text("import hal.sim.citizens\n")        # around it: refused
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    contracts = configparser.ConfigParser()
    for section in config.sections():
        if section.startswith("importlinter"):
            contracts[section] = dict(config[section])
    contracts["importlinter:contract:layers"]["ignore_imports"] = ""
    contracts["importlinter:contract:plugins-independent"]["modules"] = "plugins.admin\nplugins.banking"
    with (tmp_path / "contracts.cfg").open("w") as out:
        contracts.write(out)
    result = _lint(tmp_path, tmp_path / "contracts.cfg")
    assert result.returncode == 1
    assert "Plugins import only the sdk, never core or hal BROKEN" in result.stdout
    assert "hal stands alone: no Flask, core, sdk or plugins BROKEN" in result.stdout
    assert "No plugin imports another BROKEN" in result.stdout
    assert "core reaches the simulators only through core.simulation BROKEN" in result.stdout
    assert "core.login -> hal.sim.citizens" in result.stdout and "core.simulation ->" not in result.stdout


def test_core_has_no_import_cycle():
    import grimp  # installed with import-linter

    graph = grimp.build_graph("core", exclude_type_checking_imports=True)
    cycles = sorted({tuple(sorted((module, imported))) for module in graph.modules
                     for imported in graph.find_modules_directly_imported_by(module)
                     if graph.chain_exists(importer=imported, imported=module)})
    assert cycles == [], f"import cycles in core (pairs that import each other, maybe indirectly): {cycles}"
