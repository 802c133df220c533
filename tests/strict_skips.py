"""Strict mode for CI: with ``FOOTNOTE_STRICT_TESTS=1`` (``.ci/run`` sets it) a skipped test
is a failed test, reported with the skip's reason. A plain local ``pytest`` still skips
(the browser without Chromium, the LLM tests without llama-cpp-python, ...) and the
short summary says why (``-rs`` is on by default).

Skips raised while collecting a module (``pytest.importorskip``, a module-level
``pytest.skip``) become collection errors; ``xfail`` is not a skip and is left alone.
"""

from __future__ import annotations

import os

import pytest

ENV = "FOOTNOTE_STRICT_TESTS"


def strict() -> bool:
    """True when skips must fail (``FOOTNOTE_STRICT_TESTS`` set to 1/true/yes)."""
    return os.environ.get(ENV, "").strip().lower() in {"1", "true", "yes"}


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (file, line, "Skipped: reason")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.outcome = "failed"
    report.longrepr = (f"skipped under {ENV}=1, which .ci/run sets: a skip in CI is a failure.\n"
                       f"Reason for the skip: {_reason(report)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if strict() and report.skipped and not hasattr(report, "wasxfail"):
        _fail(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if strict() and report.skipped:
        _fail(report)


def pytest_report_header(config: pytest.Config) -> str:
    mode = "a skip is a failure" if strict() else f"skips allowed (set {ENV}=1 to fail on them)"
    return f"footnote strict tests: {mode}"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Show the reasons for skips in the short summary when the user did not choose -r."""
    if config.option.reportchars == "fE":  # pytest's default
        config.option.reportchars = "fEs"
