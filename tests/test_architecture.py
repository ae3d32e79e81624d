"""The shape of the code that reviews keep asking for, checked on every run (DESIGN.md section 2,
issue 12). The import rules themselves are import-linter contracts (``pyproject.toml``,
``lint-imports`` in ``make test``); these are the ones it cannot say."""

from __future__ import annotations

import ast
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


# A unit of work as services take it (``await db(lambda session: ...)``): one type, in db.py.
UNIT_OF_WORK_DEFINED = re.compile(r"^\s*class\s+Db\b|^\s*Db\s*=", re.MULTILINE)


def test_the_unit_of_work_type_db_is_defined_only_in_db_py() -> None:
    defined_in = sorted(
        name
        for name, path in _modules().items()
        if UNIT_OF_WORK_DEFINED.search(path.read_text(encoding="utf-8"))
    )
    assert defined_in == ["db.py"], f"import Db from archive_app.db instead: {defined_in}"


# The effects of a change (open tabs told, jobs asked for) are decided in one place: services
# record events, and the dispatcher alone announces and requests (issue 19).
EFFECT_CALLS = re.compile(r"\b(announce|request_job|request_poll|kick)\(")
EFFECT_CALLERS = {
    "dispatch.py",  # the one dispatcher
    "live/__init__.py",  # where announce is defined
    "jobs/scheduler.py",  # where the job requests are defined
}


def _effect_calls(path: Path) -> list[str]:
    """Calls of announce / request_job / request_poll / kick in a module's code (the AST:
    docstrings and comments that name them do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if EFFECT_CALLS.fullmatch(f"{name}("):
                found.append(f"{name}() at line {node.lineno}")
    return found


def test_only_the_dispatcher_announces_to_tabs_or_requests_jobs() -> None:
    offenders = {
        name: calls
        for name, path in _modules().items()
        if name not in EFFECT_CALLERS and (calls := _effect_calls(path))
    }
    assert offenders == {}, "record a domain event (archive_app/events.py) instead"


def test_the_effect_check_sees_the_dispatchers_own_calls() -> None:
    calls = _effect_calls(PACKAGE / "dispatch.py")
    assert any(c.startswith("announce()") for c in calls)
    assert any(c.startswith("request_job()") for c in calls)


# Status and scope columns are compared with their enums (models/), never as bare strings, in
# the states, where a typo would silently show the wrong badge (issue 19, item 4).
def _status_literals_compared(path: Path, values: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        for side in (node.left, *node.comparators):
            items = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
            for item in items:
                if isinstance(item, ast.Constant) and item.value in values:
                    found.append(f"{item.value!r} at line {node.lineno}")
    return found


def test_states_compare_statuses_through_their_enums() -> None:
    from archive_app.models.rights import RightsScope, RightsStatus
    from archive_app.models.sources import SourceStatus

    values = {m.value for enum in (RightsStatus, RightsScope, SourceStatus) for m in enum}
    offenders = {
        name: found
        for name, path in _modules().items()
        if name.startswith("states/") and (found := _status_literals_compared(path, values))
    }
    assert offenders == {}, "compare with RightsStatus / RightsScope / SourceStatus members"


def test_the_status_check_sees_a_bare_string_comparison(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('ok = row.status in ("disconnected", "expired") or row.scope == "x"\n')
    assert _status_literals_compared(sample, {"disconnected", "expired"}) == [
        "'disconnected' at line 1",
        "'expired' at line 1",
    ]


# Reflex internals (private API that changes between releases) are named in one module only,
# whose behaviour tests/live/test_reflex_internals.py pins on the Reflex version we run.
REFLEX_INTERNALS_MODULE = "live/reflex_internals.py"
REFLEX_INTERNAL_NAMES = frozenset(
    {
        "_token_manager",
        "_get_resolved_delta",
        "_reflex_internal_init",
        "_purge_token",
        "_states_locks",
        "_write_queue",
        "event_namespace",
        "emit_update",
        "StateUpdate",
        "modify_state",
        "BaseStateToken",
        "is_token_connected",
        "enumerate_tokens",
        "token_to_socket",
        "sid_to_token",
        "get_root_state",
        "state_manager",
        "default_backend_exception_handler",
        "check_redis_used",
        "get_redis",
        "get_web_dir",
    }
)
# Modules of Reflex's machinery (state managers, app internals, prerequisites, its base package).
REFLEX_INTERNAL_MODULES = re.compile(r"^(reflex_base|reflex\.(state|istate|utils))(\.|$)")
# Public API that Reflex also exports from those modules (``rx.event.EventSpec``).
REFLEX_PUBLIC_NAMES = frozenset({"EventSpec"})
# Serving the built app (``reflex run``'s config and environment) is build tooling, not state.
REFLEX_INTERNALS_BUILD_TOOLING = {"cli/serve.py"}


def _reflex_internals_used(path: Path) -> set[str]:
    """Names in code (not strings or comments) and modules imported, at any depth."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    used = {
        node.attr if isinstance(node, ast.Attribute) else node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute | ast.Name)
    } & REFLEX_INTERNAL_NAMES
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if {a.name for a in node.names} <= REFLEX_PUBLIC_NAMES:
                continue
            modules = [node.module]
            used |= {a.name for a in node.names} & REFLEX_INTERNAL_NAMES
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        else:
            continue
        used |= {m for m in modules if REFLEX_INTERNAL_MODULES.match(m)}
    return used


def test_reflex_internals_are_used_only_in_live_reflex_internals() -> None:
    skip = {REFLEX_INTERNALS_MODULE, *REFLEX_INTERNALS_BUILD_TOOLING}
    found = {
        name: sorted(used)
        for name, path in _modules().items()
        if name not in skip and (used := _reflex_internals_used(path))
    }
    assert found == {}, f"wrap these in archive_app/{REFLEX_INTERNALS_MODULE}: {found}"


def test_the_reflex_internals_check_sees_the_wrappers_module_itself() -> None:
    used = _reflex_internals_used(PACKAGE / REFLEX_INTERNALS_MODULE)
    assert {"_token_manager", "_get_resolved_delta", "modify_state", "reflex.state"} <= used
