"""tests/strict_skips.py: under FOOTNOTE_STRICT_TESTS=1 (which .ci/run sets) any skip fails
the run with its reason; without it a skip stays a skip and the summary says why.
Each case runs a tiny test file in a child pytest with only that plugin loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

CASES = {
    "in_the_test": "import pytest\n\ndef test_a():\n    pytest.skip('no widget here')\n",
    "skipif_mark": "import pytest\n\n@pytest.mark.skipif(True, reason='no widget here')\ndef test_a():\n    pass\n",
    "in_a_fixture": ("import pytest\n\n@pytest.fixture\ndef widget():\n    pytest.skip('no widget here')\n\n"
                     "def test_a(widget):\n    pass\n"),
    "at_collection": "import pytest\n\npytest.skip('no widget here', allow_module_level=True)\n\ndef test_a():\n    pass\n",
}


def run_pytest(tmp_path: Path, source: str, strict: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_case.py").write_text(source)
    (tmp_path / "test_other.py").write_text("def test_b():\n    assert True\n")
    env = {k: v for k, v in os.environ.items() if k != "FOOTNOTE_STRICT_TESTS"}
    env["PYTHONPATH"] = str(TESTS)
    if strict is not None:
        env["FOOTNOTE_STRICT_TESTS"] = strict
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "strict_skips", "-p", "no:cacheprovider", "."],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_skip_fails_the_run_under_strict_mode_with_its_reason(tmp_path, case):
    r = run_pytest(tmp_path, CASES[case], "1")
    assert r.returncode != 0, r.stdout
    assert "no widget here" in r.stdout and "FOOTNOTE_STRICT_TESTS=1" in r.stdout, r.stdout
    assert "a skip is a failure" in r.stdout  # the header says which mode ran


@pytest.mark.parametrize("case", sorted(CASES))
def test_without_strict_mode_a_skip_passes_and_says_why(tmp_path, case):
    r = run_pytest(tmp_path, CASES[case], None)
    assert r.returncode == 0, r.stdout
    assert "SKIPPED" in r.stdout and "no widget here" in r.stdout, r.stdout


@pytest.mark.parametrize("value", ["0", ""])
def test_strict_mode_needs_the_flag_switched_on(tmp_path, value):
    assert run_pytest(tmp_path, CASES["in_the_test"], value).returncode == 0


def test_xfail_and_passing_tests_still_pass_under_strict_mode(tmp_path):
    source = "import pytest\n\n@pytest.mark.xfail(reason='known', strict=True)\ndef test_a():\n    assert False\n"
    r = run_pytest(tmp_path, source, "1")
    assert r.returncode == 0 and "1 passed, 1 xfailed" in r.stdout, r.stdout
