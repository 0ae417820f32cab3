"""``station plugin check PATH``: validate a plugin package before it ships (like hassfest).

Reads files only — the plugin's code is parsed (``ast``), never imported. Each problem is one
sentence naming the file; the CLI prints them and exits 2 when there is any.
"""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from core.db import MIGRATION_FILE
from core.errors import ManifestError
from core.manifest import load_manifest

#: sdk calls that use a device, and the kind each one needs (the first text argument otherwise).
_DEVICE_CALLS = {"measure", "use_device", "device", "device_status"}
_FIXED_DEVICE_CALLS = {"print_receipt": "receipt_printer", "verify_face": "face_verifier",
                       "read_verified_card_portrait": "card_reader"}
_TRANSLATABLE = re.compile(r"""\b_\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)""")


@dataclass
class CheckReport:
    """The outcome: ``problems`` (ship-blocking), ``notes`` (worth a look), what was checked."""

    package: Path | None = None
    plugin_id: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def find_package(path: Path) -> tuple[Path | None, Path | None]:
    """(project folder with pyproject.toml or None, plugin package folder with manifest.toml)."""
    path = path.resolve()
    if (path / "manifest.toml").is_file():
        return (path.parent if (path.parent / "pyproject.toml").is_file() else None), path
    if (path / "pyproject.toml").is_file():
        packages = [p.parent for p in sorted(path.glob("*/manifest.toml"))]
        return path, (packages[0] if len(packages) == 1 else None)
    return None, None


def check_plugin(path: Path, api_version: str) -> CheckReport:
    """Every check on the plugin at ``path`` (a project folder or the package folder)."""
    report = CheckReport()
    project, package = find_package(path)
    if package is None:
        report.problems.append(f"{path}: no plugin here (expected a folder with manifest.toml, or a project "
                               "with pyproject.toml and one package holding manifest.toml)")
        return report
    report.package = package
    manifest_path = package / "manifest.toml"
    try:
        manifest = load_manifest(manifest_path)
    except ManifestError as exc:
        report.problems.append(f"manifest: {exc}")
        return report
    report.plugin_id = manifest.id
    report.checked.append("manifest schema")
    sources = {p: p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))
               if "migrations" not in p.relative_to(package).parts}
    trees = {}
    for source_path, text in sources.items():
        try:
            trees[source_path] = ast.parse(text, str(source_path))
        except SyntaxError as exc:
            report.problems.append(f"{source_path.relative_to(package.parent)}:{exc.lineno}: syntax error: {exc.msg}")
    _check_sdk_range(report, manifest, api_version, manifest_path)
    _check_permissions(report, manifest, trees, package)
    _check_devices(report, manifest, trees, package)
    _check_data_categories(report, manifest, trees, package)
    _check_migrations(report, package)
    _check_translations(report, package, sources)
    if project is not None:
        _check_packaging(report, project, package, manifest.id)
    return report


def _rel(path: Path, package: Path) -> str:
    return str(path.relative_to(package.parent))


def _check_sdk_range(report: CheckReport, manifest, api_version: str, path: Path) -> None:
    report.checked.append("sdk range")
    try:
        supported = SpecifierSet(manifest.sdk).contains(api_version, prereleases=True)
    except InvalidSpecifier:
        report.problems.append(f"manifest: sdk {manifest.sdk!r} is not a version range (e.g. \">=1.1,<2\")")
        return
    if not supported:
        report.problems.append(f"manifest: sdk {manifest.sdk!r} does not include this station's sdk {api_version}")
    elif "<" not in manifest.sdk:
        report.notes.append(f"manifest: sdk {manifest.sdk!r} has no upper bound; sdk 2 may break the plugin "
                            "(write e.g. \">=1.1,<2\")")


def _text_arg(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name:
                yield name, node


def _check_permissions(report: CheckReport, manifest, trees, package: Path) -> None:
    report.checked.append("permissions used vs declared")
    declared = {p["id"] for p in manifest.permissions}
    used = set()
    for path, tree in trees.items():
        for name, call in _calls(tree):
            permission = _text_arg(call) if name == "requires" else None
            for keyword in call.keywords:
                if keyword.arg in ("permission", "staff_permission") and isinstance(keyword.value, ast.Constant):
                    permission = keyword.value.value
            if permission is None:
                continue
            used.add(permission)
            if permission not in declared:
                report.problems.append(f"{_rel(path, package)}:{call.lineno}: permission {permission!r} is used but "
                                       "not declared in manifest.toml [[permissions]]")
    for permission in sorted(declared - used):
        report.notes.append(f"manifest: permission {permission!r} is declared but no requires(...) uses it")


def _check_devices(report: CheckReport, manifest, trees, package: Path) -> None:
    from hal.model import DeviceKind

    report.checked.append("device kinds")
    declared = {d["kind"] for d in manifest.devices}
    known = {k.value for k in DeviceKind}
    for path, tree in trees.items():
        for name, call in _calls(tree):
            kind = _FIXED_DEVICE_CALLS.get(name) or (_text_arg(call) if name in _DEVICE_CALLS else None)
            if kind is None:
                continue
            where = f"{_rel(path, package)}:{call.lineno}"
            if kind not in known:
                report.problems.append(f"{where}: unknown device kind {kind!r} (known: {', '.join(sorted(known))})")
            elif kind not in declared:
                report.problems.append(f"{where}: uses a {kind} but manifest.toml [[devices]] does not declare it "
                                       "(add kind = \"{0}\", required = false)".format(kind))


def _check_data_categories(report: CheckReport, manifest, trees, package: Path) -> None:
    report.checked.append("data categories vs models")
    declared = {d["category"] for d in manifest.data}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for statement in node.body:
                if (isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "data_category"
                                                               for t in statement.targets)
                        and isinstance(statement.value, ast.Constant)):
                    category = statement.value.value
                    if category not in declared:
                        report.problems.append(
                            f"{_rel(path, package)}:{statement.lineno}: model {node.name} stores {category!r} data "
                            "but manifest.toml [[data]] does not declare that category with its purpose")


def _check_migrations(report: CheckReport, package: Path) -> None:
    report.checked.append("migrations")
    folder = package / "migrations"
    if not folder.is_dir():
        return
    versions: dict[int, str] = {}
    for path in sorted(folder.glob("*.py")):
        if path.name == "__init__.py":
            continue
        match = MIGRATION_FILE.match(path.name)
        if not match:
            report.problems.append(f"{_rel(path, package)}: migration files are named NNNN_name.py")
            continue
        version = int(match.group(1))
        if version in versions:
            report.problems.append(f"{_rel(path, package)}: version {version} is also {versions[version]}")
        versions[version] = path.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(n, ast.FunctionDef) and n.name == "migrate" for n in tree.body):
            report.problems.append(f"{_rel(path, package)}: has no migrate(db) function")


def _check_translations(report: CheckReport, package: Path, sources: dict[Path, str]) -> None:
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    report.checked.append("translations")
    used = set()
    for path in [*sources, *sorted((package / "templates").rglob("*.html"))]:
        text = sources.get(path) or path.read_text(encoding="utf-8")
        used |= {m.group("text") for m in _TRANSLATABLE.finditer(text)}
    catalogues = sorted((package / "translations").glob("*/LC_MESSAGES/messages.po"))
    if used and not catalogues:
        report.problems.append(f"{package.name}/translations: the code marks {len(used)} messages with _() but the "
                               "package has no vi catalogue (translations/vi/LC_MESSAGES/messages.po)")
    for po_path in catalogues:
        where = _rel(po_path, package)
        with po_path.open("rb") as source:
            catalogue = read_po(source)
        for message in catalogue:
            if message.id and (not message.string or message.fuzzy):
                report.problems.append(f"{where}: {message.id!r} has no {'final ' if message.fuzzy else ''}translation")
        missing = sorted(used - {m.id for m in catalogue if m.id})
        for text in missing:
            report.problems.append(f"{where}: {text!r} is marked with _() but not in the catalogue")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.is_file():
            report.problems.append(f"{where}: not compiled (run: pybabel compile -d {package.name}/translations)")
            continue
        with mo_path.open("rb") as compiled_file:
            compiled = read_mo(compiled_file)
        expected = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
        actual = {m.id: m.string for m in compiled if m.id}
        if expected != actual:
            report.problems.append(f"{_rel(mo_path, package)}: stale, does not match messages.po "
                                   f"(run: pybabel compile -d {package.name}/translations)")


def _check_packaging(report: CheckReport, project: Path, package: Path, plugin_id: str) -> None:
    report.checked.append("packaging (entry point, package data)")
    try:
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        report.problems.append(f"pyproject.toml: not valid TOML: {exc}")
        return
    entry_points = pyproject.get("project", {}).get("entry-points", {}).get("citizen_station.plugins", {})
    if plugin_id not in entry_points:
        report.problems.append(f"pyproject.toml: no entry point {plugin_id!r} in [project.entry-points.\"citizen_station"
                               f".plugins\"] (the station finds installed plugins only through it)")
    elif entry_points[plugin_id].split(":")[0].split(".")[0] != package.name:
        report.notes.append(f"pyproject.toml: entry point {plugin_id!r} points at {entry_points[plugin_id]!r}, not "
                            f"the package {package.name!r} holding manifest.toml")
    patterns = pyproject.get("tool", {}).get("setuptools", {}).get("package-data", {})
    globs = [*patterns.get(package.name, []), *patterns.get("*", [])]
    shipped = [package / "manifest.toml", *(package / "migrations").glob("*.py"),
               *[p for p in (package / "templates").rglob("*") if p.is_file()],
               *[p for p in (package / "translations").rglob("*") if p.is_file()],
               *[p for p in (package / "static").rglob("*") if p.is_file()]]
    for path in shipped:
        relative = path.relative_to(package).as_posix()
        if not any(fnmatch.fnmatch(relative, g) or fnmatch.fnmatch(relative, g.replace("**/", "")) for g in globs):
            report.problems.append(f"pyproject.toml: {package.name}/{relative} would not be in the wheel (add it to "
                                   f"[tool.setuptools.package-data] {package.name} = [...])")
