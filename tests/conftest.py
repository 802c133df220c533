"""Shared fixtures: every test gets its own store folder; nothing touches the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(var, None)  # tests configure an LLM explicitly when they want one

from footnote.settings import SAMPLE_ARTICLE, Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

pytest_plugins = ["strict_skips", "fixtures_chroma", "fixtures_app", "fixtures_llm"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh store folder, with no LLM configured."""
    return Settings(store_dir=tmp_path / "store", _env_file=None)


@pytest.fixture
def sample_article() -> Path:
    return SAMPLE_ARTICLE


@pytest.fixture
def seeded(settings: Settings):
    """An Assistant over a real embedded Chroma holding the sample article."""
    from assistant import Assistant

    a = Assistant(settings)
    assert a.ensure_sample()
    return a


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
