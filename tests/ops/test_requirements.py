"""A production install (requirements.txt alone) has every library the product's modules import."""

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("csbot", "chat", "agents")


def pinned(requirements):
    names = set()
    for line in requirements.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==", line)
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def imported_top_levels():
    found = {}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    found.setdefault(module.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_library_the_product_imports_is_a_runtime_requirement():
    runtime = pinned(ROOT / "requirements.txt")
    distributions = metadata.packages_distributions()
    missing = []
    for top, where in sorted(imported_top_levels().items()):
        if top in PRODUCT or top in sys.stdlib_module_names or top == "__future__":
            continue
        names = {re.sub(r"[-_.]+", "-", name).lower() for name in distributions.get(top, [top])}
        if not names & runtime:
            missing.append((top, where))
    assert not missing, f"imported by the product but only in requirements-dev.txt or nowhere: {missing}"
