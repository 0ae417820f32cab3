"""docs/operations.md cannot rot: its command blocks marked ``<!-- guide-test: run -->`` are
run in order, with bash, on a fresh site (issue 23). Each must exit 0. The blocks not marked
(root-only installation, systemd, ``station run``, real files) are listed by the test's
first check so a reader sees which are not run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "operations.md"
MARK = "<!-- guide-test: run -->"
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
PASSWORD = "a long manager password"


def guide_blocks() -> list[tuple[bool, str]]:
    """Every ```bash block of the guide part (before "# Reference"), and whether it is marked to run."""
    text = GUIDE.read_text(encoding="utf-8").split("\n# Reference\n")[0]
    blocks = []
    for match in BLOCK.finditer(text):
        before = text[:match.start()].rstrip().splitlines()[-1:]
        blocks.append((before == [MARK], match.group(1)))
    return blocks


def test_the_guide_has_its_sections_and_marks_the_blocks_it_runs():
    text = GUIDE.read_text(encoding="utf-8")
    for heading in ("Install", "First set-up", "Run it as a service", "TLS", "Daily tasks", "Alerts by webhook",
                    "Plugins", "Upgrade", "Backup and restore", "Key rotation"):
        assert re.search(rf"^## \d+\. {heading}", text, re.M), heading
    blocks = guide_blocks()
    assert sum(run for run, _ in blocks) >= 8 and any(not run for run, _ in blocks)
    assert "screenshots/console/" in text


def test_the_guides_commands_run_in_order_on_a_fresh_site(tmp_path):
    bindir = Path(sys.executable).parent
    assert (bindir / "station").exists(), "the station console script is installed with the package"
    env = {**os.environ, "STATION_HOME": str(tmp_path / "site"), "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "STATION_SERVER__PORT": "1"}  # nothing answers there: migrate sees no running station
    env.pop("STATION_DATABASE_URL", None)
    ran = []
    for number, (run, script) in enumerate(guide_blocks()):
        if not run:
            continue
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], input=f"{PASSWORD}\n" * 4,
                                capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180)
        assert result.returncode == 0, f"guide block {number} failed:\n{script}\n{result.stdout}\n{result.stderr}"
        ran.append(script)
    joined = "\n".join(ran)
    for command in ("station init", "station users add", "station plugins enable", "station migrate",
                    "station backup", "station keys rotate", "station audit verify"):
        assert command in joined
    site = tmp_path / "site"
    assert (site / "trust" / "csca").is_dir() and len(list((site / "backups").iterdir())) == 2  # migrate's + one
    assert len(list((tmp_path / "usb-backups").iterdir())) == 1 and (tmp_path / "usb-keys" / "data.kek").is_file()
    verify = subprocess.run(["station", "audit", "verify"], capture_output=True, text=True, env=env, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


if __name__ == "__main__":  # pragma: no cover — list the blocks
    for run, script in guide_blocks():
        print("RUN " if run else "skip", script.strip().splitlines()[0])
    pytest.main([__file__])
