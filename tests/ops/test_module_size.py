"""No source module over 500 lines: Python, the pages' scripts and the SDK's sources (its built bundle aside)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 500
PYTHON = ("csbot", "chat", "agents", "bench", "scripts", "tests")
SCRIPTS = ("chat/static", "agents/static", "js/test", "docs/miniprogram")
BUILT = {"chat/static/chat/csbot-sdk.js", "docs/miniprogram/utils/csbot-sdk.js"}


def sources():
    for folder in PYTHON:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path
    for folder in SCRIPTS:
        for path in (ROOT / folder).rglob("*.js"):
            relative = path.relative_to(ROOT).as_posix()
            if relative not in BUILT and "node_modules" not in path.parts:
                yield path


def test_no_source_module_is_over_500_lines():
    found = list(sources())
    assert len(found) > 100  # the walk found the project
    long = {p.relative_to(ROOT).as_posix(): n for p in found if (n := len(p.read_text().splitlines())) > LIMIT}
    assert not long, f"split these by responsibility: {long}"
