"""The RFC 6962 proof vectors (transparency-dev/merkle testdata), every one of them.

The vectors are vendored under ``tests/vectors/rfc6962`` with their licence and source; the
test reads nothing outside the repository. A missing folder fails the suite: silently
skipping them would hide a broken verifier.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from core.audit.merkle import ProofError, verify_consistency, verify_inclusion


def _repo_root() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / "setup.cfg").is_file():
            return folder
    raise RuntimeError("no setup.cfg above this test file; cannot find the repository root")


VECTOR_ROOT = _repo_root() / "tests" / "vectors" / "rfc6962"


def _cases(kind: str) -> list:
    folder = VECTOR_ROOT / kind
    files = sorted(folder.rglob("*.json")) if folder.is_dir() else []
    if not files:
        # One failing case instead of a silent empty parametrisation.
        return [pytest.param(None, id=f"{kind}-vectors-missing")]
    return [pytest.param(path, id=str(path.relative_to(folder))) for path in files]


def _load(path: Path | None, kind: str) -> dict:
    if path is None:
        pytest.fail(
            f"RFC 6962 {kind} vectors not found under {VECTOR_ROOT}. They ship in tests/vectors "
            f"(restore the folder from the repository)."
        )
    return json.loads(path.read_text(encoding="utf-8"))


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _hashes(items: list[str] | None) -> list[bytes]:
    return [_b64(item) for item in items or []]


@pytest.mark.parametrize("path", _cases("inclusion"))
def test_inclusion_vector_verifies_exactly_when_it_should(path: Path | None) -> None:
    case = _load(path, "inclusion")
    arguments = (
        case["leafIdx"],
        case["treeSize"],
        _b64(case["leafHash"]),
        _hashes(case["proof"]),
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*arguments)
    else:
        verify_inclusion(*arguments)


@pytest.mark.parametrize("path", _cases("consistency"))
def test_consistency_vector_verifies_exactly_when_it_should(path: Path | None) -> None:
    case = _load(path, "consistency")
    arguments = (
        case["size1"],
        case["size2"],
        _hashes(case["proof"]),
        _b64(case["root1"]),
        _b64(case["root2"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*arguments)
    else:
        verify_consistency(*arguments)


def test_every_vector_folder_is_covered() -> None:
    counts = {
        kind: len(list((VECTOR_ROOT / kind).rglob("*.json")))
        for kind in ("inclusion", "consistency")
    }
    assert counts["inclusion"] > 0 and counts["consistency"] > 0, (
        f"no RFC 6962 vectors under {VECTOR_ROOT}; restore tests/vectors from the repository"
    )
