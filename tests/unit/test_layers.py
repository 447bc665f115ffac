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
