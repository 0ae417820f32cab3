"""Sphinx configuration of the sdk reference (built by tests/sdk/test_reference_docs.py with -W)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

project = "Citizen Station plugin SDK"
author = "Citizen Station contributors"
extensions = ["sphinx.ext.autodoc"]
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": True}
html_theme = "alabaster"
exclude_patterns = ["_build"]
suppress_warnings = ["ref.python"]


def _literal_examples(app, what, name, obj, options, lines):
    """The house style writes examples as indented blocks without a ``::`` (they read well in
    ``help()``); mark each such block literal so docutils renders it as code."""
    out: list[str] = []
    for index, line in enumerate(lines):
        starts_block = (line.startswith("    ") and index > 0 and not lines[index - 1].strip()
                        and (index < 2 or not lines[index - 2].startswith(" ")))
        previous_text = next((ln for ln in reversed(out) if ln.strip()), "")
        if starts_block and not previous_text.rstrip().endswith("::"):
            out += ["::", ""]
        out.append(line)
    lines[:] = out


def setup(app):
    app.connect("autodoc-process-docstring", _literal_examples)
