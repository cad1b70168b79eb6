"""The core is platform-neutral: nothing in handlers/ reaches for a platform, server or store."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ROOT / "handlers"
FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "aiohttp", "tinydb", "asyncpg", "psycopg")
CORE_FILES = sorted(HANDLERS.glob("*.py"))


def is_forbidden(module: str) -> bool:
    top = module.split(".")[0]
    return top in FORBIDDEN or top.startswith("psycopg")  # psycopg, psycopg2


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module an `import`, `from ... import`, `__import__` or `import_module` names."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("__import__", "import_module") and isinstance(node.args[0].value, str):
                found.append(node.args[0].value)
    return found


def test_the_core_has_its_modules():
    names = {path.stem for path in CORE_FILES}
    assert {"model", "intake", "dispatch", "rules", "messages", "outcome"} <= names


def test_the_scanner_sees_nested_and_dynamic_imports():
    source = (
        "import os\n"
        "def f():\n"
        "    import slack_sdk.web\n"
        "    from aiohttp import web\n"
        "    try:\n"
        "        import psycopg2\n"
        "    except ImportError:\n"
        "        pass\n"
        "    return __import__('tinydb'), importlib.import_module('botbuilder.core')\n"
    )
    found = [m for m in imported_modules(ast.parse(source)) if is_forbidden(m)]
    assert found == ["slack_sdk.web", "aiohttp", "psycopg2", "tinydb", "botbuilder.core"]


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_no_core_module_imports_a_platform_server_or_store(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert [m for m in imported_modules(tree) if is_forbidden(m)] == []


def test_importing_the_whole_core_loads_no_platform_server_or_store():
    modules = [f"handlers.{path.stem}" for path in CORE_FILES if path.stem != "__init__"]
    program = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = json.loads(result.stdout)
    assert set(modules) <= set(loaded)
    assert [m for m in loaded if is_forbidden(m)] == []
