"""The direction of dependencies from DESIGN.md, and the size of modules, checked on the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SANDBOX = "botapi_sandbox"
#: the only module outside tests and benchmarks that may use the sandbox
SANDBOX_USERS = {"bot/demo.py", "bot/demo_public.py"}
MAX_LINES = 400
SIZE_CHECKED = ("bot", "handlers", "storage", SANDBOX)


def imports_of(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("storage", {"telegram", "handlers", "bot", "prompts", SANDBOX}),
        ("prompts", {"telegram", "handlers", "bot", "storage", SANDBOX}),
        ("handlers", {"bot", SANDBOX}),
        (SANDBOX, {"bot", "handlers", "storage", "prompts", "tests", "benchmarks"}),
    ],
)
def test_no_import_against_the_direction(package: str, forbidden: set[str]) -> None:
    offenders = {
        path: sorted(names & forbidden)
        for path, names in imports_of(package).items()
        if names & forbidden
    }
    assert offenders == {}


def test_no_sql_in_handlers() -> None:
    sql = re.compile(r"session\.(exec|add|execute|delete|get)\(|\b(select|text|update|delete)\(")
    for path in sorted((ROOT / "handlers").glob("*.py")):
        found = sql.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path.name} runs SQL: {found.group(0) if found else ''}"


def test_only_the_demo_imports_the_sandbox() -> None:
    users = {
        path
        for package in ("bot", "handlers", "storage", "prompts")
        for path, names in imports_of(package).items()
        if SANDBOX in names
    }
    assert users <= SANDBOX_USERS
    assert "bot/demo.py" in users, "the check looks at the right files"


def line_counts() -> dict[str, int]:
    return {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in SIZE_CHECKED
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def test_no_module_is_over_400_lines() -> None:
    oversized = {path: n for path, n in line_counts().items() if n > MAX_LINES}
    assert oversized == {}, f"split these by reason to change: {oversized}"


#: awaited inside a unit of work without being a storage function by name: a storage
#: operation passed in as a value (handlers/triage.py's `Action`)
UNIT_OF_WORK_EXEMPT = {("handlers/triage.py", "action")}


def storage_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Functions imported from `storage` by name, and `storage` modules imported whole."""
    names: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "storage":
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            modules |= {
                alias.asname or alias.name
                for alias in node.names
                if alias.name.split(".")[0] == "storage"
            }
    return names, modules


def awaits_beside_the_database(source: str, relative: str) -> list[str]:
    """Awaits inside `async with … session … as s:` blocks that are neither a method of
    the session nor a storage function: a Bot API request, a sleep, a thread."""
    tree = ast.parse(source)
    names, modules = storage_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.AsyncWith):
            continue
        sessions = {
            item.optional_vars.id
            for item in node.items
            if isinstance(item.optional_vars, ast.Name)
            and "session" in ast.unparse(item.context_expr)
        }
        if not sessions:
            continue
        for inner in (sub for statement in node.body for sub in ast.walk(statement)):
            if isinstance(inner, ast.AsyncFor | ast.AsyncWith):
                found.append(f"{relative}:{inner.lineno}")
            if not isinstance(inner, ast.Await):
                continue
            call = inner.value
            function = call.func if isinstance(call, ast.Call) else None
            if isinstance(function, ast.Name) and (
                function.id in names or (relative, function.id) in UNIT_OF_WORK_EXEMPT
            ):
                continue
            if (
                isinstance(function, ast.Attribute)
                and isinstance(function.value, ast.Name)
                and function.value.id in sessions | modules
            ):
                continue
            found.append(f"{relative}:{inner.lineno}: {ast.unparse(inner)}")
    return found


def test_a_unit_of_work_awaits_nothing_but_the_database() -> None:
    """Handlers and jobs hold a session only around storage calls, never across a Bot API
    request or a sleep: SQLite runs in the event loop over one connection
    (storage/sqlite_loop.py), so a session held across other waits would hold up every
    other update's unit of work until it ends."""
    paths = sorted([*(ROOT / "handlers").glob("*.py"), *(ROOT / "bot").glob("*.py")])
    found = [
        line
        for path in paths
        for line in awaits_beside_the_database(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        )
    ]
    assert found == []


def test_the_unit_of_work_check_sees_a_request() -> None:
    source = (
        "from storage.people import rename\n"
        "async def on_name(update, context):\n"
        "    async with context.session() as session:\n"
        "        await rename(session)\n"
        "        await session.flush()\n"
        "        await update.message.reply_text('ok')\n"
    )
    found = awaits_beside_the_database(source, "handlers/sample.py")
    assert found == ["handlers/sample.py:6: await update.message.reply_text('ok')"]
