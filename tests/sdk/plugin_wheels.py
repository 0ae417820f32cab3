"""Build a plugin project into a wheel and install it into a fresh virtual environment that
sees the station (as a partner's CI would), without network."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path


def build_wheel(project: Path, out: Path) -> Path:
    """``pip wheel`` the project (no dependencies, no build isolation: offline)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(project)], check=True, capture_output=True, text=True)
    [wheel] = sorted(out.glob("*.whl"))
    return wheel


def fresh_venv_with(wheel: Path, where: Path) -> Path:
    """A new venv (no pip) that sees this environment's station install, with ``wheel`` installed
    into its own site-packages. Returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    station_site = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "citizen_station_env.pth").write_text(f"import site; site.addsitedir({station_site!r})\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", purelib, str(wheel)],
                   check=True, capture_output=True, text=True)
    return python


def run_tests_against_installed(python: Path, tests: Path, where: Path) -> subprocess.CompletedProcess:
    """Run the project's tests in a folder of their own, so the plugin comes from the wheel."""
    copy = where / "tests"
    shutil.copytree(tests, copy)
    return subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(copy)],
                          cwd=where, capture_output=True, text=True, timeout=600)
