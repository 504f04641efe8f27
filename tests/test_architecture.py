"""The package map of docs/architecture.md, enforced: imports only go downward.

Every ``import`` in the product's code, including those inside functions, is read with
``ast``. A module belongs to one domain package (its layer); it may import its own
package and any lower layer, never a higher one, so no import cycle between packages can
form. Entry points (settings, URL confs, ``apps.py``, app-level ``admin.py``, management
commands) wire the packages together and may import any of them; nothing imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Lowest first. A package may import only its own layer and the layers before it.
LAYERS: list[str] = [
    "common",
    "clinic",
    "messaging",
    "screening",
    "plans",
    "consent",
    "signoff",
    "booking",
    "precare",
    "records",
    "aftercare",
    "waitlist",
]

#: Module prefix -> package; the longest matching prefix wins.
PACKAGES: dict[str, str] = {
    "common": "common",
    "clinic": "clinic",
    # The audit page, API and denial middleware read clinics, clients and roles; every
    # package writes the trail through common.audit, so it sits in the clinic layer.
    "clinic.audit": "clinic",
    "clinic.messaging": "messaging",
    "clinic.booking": "booking",
    "treatments.screening": "screening",
    "treatments.plans": "plans",
    "treatments.consent": "consent",
    "treatments.records": "records",
    "treatments.signoff": "signoff",
    "clinic.templatetags.booking_tags": "booking",
    "treatments.templatetags.screening_tags": "screening",
    "treatments.templatetags.plan_tags": "plans",
    "treatments.templatetags.consent_tags": "consent",
    "treatments.templatetags.session_tags": "records",
    "precare": "precare",
    "aftercare": "aftercare",
    "waitlist": "waitlist",
}

ENTRY_POINTS = ("config",)
ENTRY_POINT_NAMES = {"apps", "admin", "urls", "urls_api"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str | None:
    best = None
    for prefix, package in PACKAGES.items():
        if (module == prefix or module.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, package)
    return best[1] if best else None


def is_entry_point(module: str) -> bool:
    parts = module.split(".")
    if parts[0] in ENTRY_POINTS or ".management.commands." in module:
        return True
    # app-level wiring only: clinic.urls, treatments.admin; not clinic.booking.urls
    return len(parts) == 2 and parts[1] in ENTRY_POINT_NAMES


def product_modules() -> list[tuple[str, Path]]:
    found = []
    for top in ("common", "clinic", "treatments", "aftercare", "waitlist", "config"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            if path.name == "__init__.py" and not path.read_text().strip():
                continue  # a namespace only: nothing in it imports anything
            found.append((module_name(path), path))
    return found


def imports_of(module: str, path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            # "from clinic import booking" names a package, not an attribute
            out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return out


def violations() -> list[str]:
    rank = {package: i for i, package in enumerate(LAYERS)}
    entry_points = {m for m, _ in product_modules() if is_entry_point(m)}
    found = []
    for module, path in product_modules():
        source = package_of(module)
        for line, target in imports_of(module, path):
            if target in entry_points and not is_entry_point(module):
                found.append(f"{module}:{line} imports the entry point {target}")
                continue
            if is_entry_point(module):
                continue
            destination = package_of(target)
            if source is None or destination is None:
                continue
            if rank[destination] > rank[source]:
                found.append(f"{module}:{line} ({source}) imports {target} ({destination})")
    return sorted(set(found))


def test_every_product_module_belongs_to_a_package():
    orphans = [m for m, _ in product_modules() if package_of(m) is None and not is_entry_point(m)]
    assert orphans == [], "add them to PACKAGES (and docs/architecture.md)"


def test_imports_only_go_downward():
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "package"),
    [
        ("clinic.models", "clinic"),
        ("clinic.booking.services", "booking"),
        ("clinic.messaging.kinds", "messaging"),
        ("treatments.records.services", "records"),
        ("treatments.templatetags.plan_tags", "plans"),
        ("aftercare.timeline", "aftercare"),
    ],
)
def test_modules_map_to_their_package(module, package):
    assert package_of(module) == package


def test_the_checker_sees_an_upward_import_inside_a_function(tmp_path, monkeypatch):
    source = "def later():\n    from aftercare.schedules import aftercare_schedule_session\n"
    path = ROOT / "clinic" / "booking" / "probe.py"
    found = imports_of("clinic.booking.probe", _write(tmp_path, source))
    assert (2, "aftercare.schedules") in found
    assert package_of("aftercare.schedules") == "aftercare"
    assert path.parent.is_dir()


def _write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "probe.py"
    path.write_text(source)
    return path
