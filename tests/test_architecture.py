"""The shape of the code that reviews keep asking for, checked on every run (DESIGN.md section 2,
issue 12). The import rules themselves are import-linter contracts (``pyproject.toml``,
``lint-imports`` in ``make test``); these are the ones it cannot say."""

from __future__ import annotations

import re
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parent.parent / "archive_app"
MAX_LINES = 300

# Over 300 lines today. This list only shrinks: split a file, then delete its line here.
# No file not listed may pass 300, and a listed one may not grow past its number.
OVER_THE_LIMIT: dict[str, int] = {}

# Settings are read once, where the app is built (archive_app.py builds Deps from them).
GET_SETTINGS_ALLOWED = {"settings.py", "archive_app.py"}


def _modules() -> dict[str, Path]:
    return {str(p.relative_to(PACKAGE)): p for p in sorted(PACKAGE.rglob("*.py"))}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_grows_past_300_lines() -> None:
    too_long = {
        name: n
        for name, path in _modules().items()
        if (n := _lines(path)) > OVER_THE_LIMIT.get(name, MAX_LINES)
    }
    assert too_long == {}, f"split these modules (limit {MAX_LINES} lines): {too_long}"


def test_the_allow_list_of_long_modules_only_shrinks() -> None:
    modules = _modules()
    stale = {
        name: limit
        for name, limit in OVER_THE_LIMIT.items()
        if name not in modules or _lines(modules[name]) <= MAX_LINES
    }
    assert stale == {}, f"these are under {MAX_LINES} lines now: remove them from the list"


def test_settings_are_read_only_where_the_app_is_built() -> None:
    calls = re.compile(r"\bget_settings\(")
    offenders = sorted(
        name
        for name, path in _modules().items()
        if name not in GET_SETTINGS_ALLOWED and calls.search(path.read_text(encoding="utf-8"))
    )
    assert offenders == [], "take Settings (or Deps) as an argument instead of get_settings()"


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    graph = grimp.build_graph("archive_app")
    cycles = sorted(
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if not importer.startswith(imported + ".")  # a package's own __init__ is not a cycle
        and graph.chain_exists(importer=imported, imported=importer)
    )
    assert cycles == [], f"import cycles (importer, imported): {cycles}"


# A kind's name compared outside the adapter: the code asks the kinds table for a capability
# (``spec(kind).can_send_dms``, ``has_reminders``, ``connect_flow``, ``sending_kinds()``) instead.
KIND_NAME_COMPARED = re.compile(
    r"Kind\.tiktok_v\d\.value|(==|!=|\bis)\s*Kind\.|[\"']tiktok_v\d[\"']"
)
KIND_NAMES_ALLOWED = ("integrations/tiktok/", "simulator/")


def test_nothing_outside_the_tiktok_adapter_compares_a_kinds_name() -> None:
    found = {
        f"{name}:{number}": line.strip()
        for name, path in _modules().items()
        if not name.startswith(KIND_NAMES_ALLOWED)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if KIND_NAME_COMPARED.search(line)
    }
    assert found == {}, f"ask the kinds table for a capability instead: {found}"
