"""A production install (requirements.txt alone) has every library the product's modules import, each
named directly in requirements.in; the compiled files pin every package with the hashes of its files."""

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("csbot", "chat", "agents")


def pins(requirements):
    """Return {normalised name: version} of the `name==version` lines of a requirements file."""
    found = {}
    for line in requirements.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def pinned(requirements):
    return set(pins(requirements))


def requirement_blocks(requirements):
    """Yield each requirement of a compiled file with its continuation lines joined."""
    block = ""
    for line in requirements.read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        block += " " + line.strip().rstrip("\\")
        if not line.rstrip().endswith("\\"):
            yield block.strip()
            block = ""


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


def imports_missing_from(requirements):
    """Return (top-level module, where) for each library the product imports that the file does not pin."""
    pinned_names = pinned(requirements)
    distributions = metadata.packages_distributions()
    missing = []
    for top, where in sorted(imported_top_levels().items()):
        if top in PRODUCT or top in sys.stdlib_module_names or top == "__future__":
            continue
        names = {re.sub(r"[-_.]+", "-", name).lower() for name in distributions.get(top, [top])}
        if not names & pinned_names:
            missing.append((top, where))
    return missing


def test_every_library_the_product_imports_is_a_runtime_requirement():
    missing = imports_missing_from(ROOT / "requirements.txt")
    assert not missing, f"imported by the product but only in requirements-dev.txt or nowhere: {missing}"


def test_every_library_the_product_imports_is_named_directly_in_requirements_in():
    missing = imports_missing_from(ROOT / "requirements.in")
    assert not missing, f"imported by the product but left to another package's range: {missing}"


def test_compiled_requirements_pin_every_package_with_hashes():
    for name in ("requirements.txt", "requirements-dev.txt"):
        blocks = list(requirement_blocks(ROOT / name))
        assert len(blocks) > 20, name
        for block in blocks:
            assert re.match(r"^[A-Za-z0-9_.\-]+==\S+", block), f"{name}: not pinned: {block[:80]}"
            assert "--hash=sha256:" in block, f"{name}: no hash: {block[:80]}"


def test_compiled_requirements_hold_the_direct_pins_and_agree_with_each_other():
    runtime, dev = pins(ROOT / "requirements.txt"), pins(ROOT / "requirements-dev.txt")
    for source, compiled in (("requirements.in", runtime), ("requirements-dev.in", dev)):
        for name, version in pins(ROOT / source).items():
            assert compiled.get(name) == version, f"{source} pins {name}=={version}; compiled: {compiled.get(name)}"
    differ = {n: (v, dev.get(n)) for n, v in runtime.items() if dev.get(n) != v}
    assert not differ, f"the test install would run other releases than production: {differ}"
