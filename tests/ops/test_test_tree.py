"""The test tree mirrors the source tree: tests/chat/bot tests chat/bot, tests/csbot tests csbot.

Only the cross-cutting folders stand apart: end-to-end tests, shared support
code, fake services, and the checks of the repository's operational files.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
APART = {"e2e", "support", "fakes", "ops"}


def mirrored_directories():
    """Every folder under tests/ outside the cross-cutting ones, as a path relative to tests/."""
    for path in sorted(TESTS.rglob("*")):
        relative = path.relative_to(TESTS)
        if path.is_dir() and relative.parts[0] not in APART and "__pycache__" not in relative.parts:
            yield relative


def test_every_test_directory_mirrors_a_source_package():
    orphans = [f"tests/{relative}" for relative in mirrored_directories() if not (ROOT / relative / "__init__.py").is_file()]
    assert orphans == [], f"no source package matches {orphans}: move the tests to the folder of the module they test"


def test_every_test_directory_is_a_package():
    """Test modules of the same name in two folders import as two modules only inside packages."""
    missing = [f"tests/{relative}" for relative in mirrored_directories() if not (TESTS / relative / "__init__.py").is_file()]
    assert missing == []


def test_the_cross_cutting_folders_exist():
    assert all((TESTS / name).is_dir() for name in APART)
