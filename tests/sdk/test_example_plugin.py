"""The example third-party plugin (examples/vax_booking): its own package, installed from its
wheel into a fresh environment with the station, checked, and tested with its own tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from plugin_wheels import build_wheel, fresh_venv_with, run_tests_against_installed

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vax_booking"


def test_the_example_plugin_installs_from_its_wheel_passes_the_check_and_its_own_tests(tmp_path):
    import shutil

    source = tmp_path / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    wheel = build_wheel(source, tmp_path / "dist")
    python = fresh_venv_with(wheel, tmp_path / "venv")
    check = subprocess.run([str(python), "-m", "core.cli", "plugin", "check", str(source)],
                           capture_output=True, text=True)
    assert check.returncode == 0 and "vax_booking: ok" in check.stdout, check.stdout + check.stderr
    result = run_tests_against_installed(python, source / "tests", tmp_path / "run")
    assert result.returncode == 0 and "5 passed" in result.stdout, result.stdout + result.stderr
