"""The README's two commands stay true: CI runs the README's test command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_starts_with_the_two_setup_commands():
    chat, tests = _commands()[:2]
    assert "app.py" in chat and "setup.sh" in chat
    assert "pytest" in tests and "setup.sh --dev" in tests


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _commands()[1] in ci


def test_ci_fails_on_skipped_tests():
    """.ci/run switches on tests/strict_skips.py before it runs pytest."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert "export FOOTNOTE_STRICT_TESTS=1\n" in ci
    assert ci.index("FOOTNOTE_STRICT_TESTS=1") < ci.index(_commands()[1])
