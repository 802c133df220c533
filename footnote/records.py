"""Typed records that flow between the packages: Article, Passage, Hit, Citation, Answer,
IngestSummary, Turn. Plain dataclasses: cheap to build, easy to serialise (``to_dict``)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def date_to_ts(d: date | None) -> int | None:
    """Midnight UTC of a date as a Unix timestamp (Chroma filters ranges on numbers)."""
    if d is None:
        return None
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


@dataclass
class Article:
    """One news article after loading and cleaning."""

    id: str
    title: str
    text: str
    source: str = ""
    url: str = ""
    date: date | None = None
    origin: str = ""  # the file (and line) it came from, for error messages
    owner: str = "local"  # who added it ("local": the operator; "upload:<user>"): its id's namespace

    @property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the passages: a change re-embeds the article."""
        d = self.date.isoformat() if self.date else ""
        return sha1("\x1f".join([self.title, self.source, self.url, d, self.text]))


@dataclass
class Passage:
    """A chunk of an article, as stored in Chroma (text + the article's metadata)."""

    id: str
    article_id: str
    text: str
    title: str = ""
    source: str = ""
    url: str = ""
    date: date | None = None
    position: int = 0
    article_hash: str = ""
    n_chunks: int = 0  # passages in the article: lets the store spot a half-written article
    group: str = ""  # near-duplicate group (wire copies, versions of a story); "" = its own article
    owner: str = "local"  # the origin that added the article (see Article.owner)

    @property
    def timestamp(self) -> int | None:
        return date_to_ts(self.date)

    def to_metadata(self) -> dict[str, Any]:
        """Chroma metadata: scalars only; the date also as a number for range filters."""
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "date": self.date.isoformat() if self.date else "",
            "ts": self.timestamp if self.date else -1,
            "position": self.position,
            "article_hash": self.article_hash,
            "n_chunks": self.n_chunks,
            "group": self.group or self.article_id,
            "owner": self.owner,
        }

    @classmethod
    def from_chroma(cls, pid: str, text: str, meta: dict[str, Any]) -> Passage:
        raw_date = meta.get("date") or ""
        return cls(
            id=pid,
            article_id=str(meta.get("article_id", "")),
            text=text or "",
            title=str(meta.get("title", "")),
            source=str(meta.get("source", "")),
            url=str(meta.get("url", "")),
            date=date.fromisoformat(raw_date) if raw_date else None,
            position=int(meta.get("position", 0)),
            article_hash=str(meta.get("article_hash", "")),
            n_chunks=int(meta.get("n_chunks", 0)),
            group=str(meta.get("group") or meta.get("article_id", "")),
            owner=str(meta.get("owner") or "local"),  # stores written before owners were local
        )


@dataclass
class Hit:
    """A retrieved passage with its fused score and the ranks that produced it."""

    passage: Passage
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    similarity: float | None = None  # cosine similarity of question and passage, when known
    also_in: list[str] = field(default_factory=list)  # other outlets carrying the same story (wire copies)
    # Whether the passage's date lies in the period the question names ("this week"):
    # None when it names none, or the passage has no date.
    in_period: bool | None = None


@dataclass(frozen=True)
class Turn:
    """One message of a conversation: who said it and what."""

    role: Literal["user", "assistant"]
    content: str


@dataclass
class Citation:
    """Passage n as cited by an answer."""

    n: int
    text: str
    title: str
    source: str
    url: str
    date: str
    score: float
    passage_id: str = ""
    article_id: str = ""
    supported: bool = True
    quote: str = ""  # the sentence of the passage that supports the answer, when known
    quotes: list[str] = field(default_factory=list)  # every sentence of the passage the answer cites it for

    @property
    def marked(self) -> list[str]:
        """The sentences of the passage to highlight: ``quotes``, else ``quote``."""
        return self.quotes or ([self.quote] if self.quote else [])
    also_in: list[str] = field(default_factory=list)  # other outlets that ran the same story

    @classmethod
    def from_hit(cls, n: int, hit: Hit, *, supported: bool = True, quote: str = "",
                 quotes: list[str] | None = None) -> Citation:
        p = hit.passage
        return cls(
            n=n,
            text=p.text,
            title=p.title,
            source=p.source,
            url=p.url,
            date=p.date.isoformat() if p.date else "",
            score=round(float(hit.score), 4),
            passage_id=p.id,
            article_id=p.article_id,
            supported=supported,
            quote=quote,
            quotes=list(quotes or []),
            also_in=list(hit.also_in),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TimelineEntry:
    """One line of a timeline: a dated passage about the subject (wire copies merged)."""

    n: int
    date: str
    text: str
    citation: Citation


@dataclass
class Timeline:
    """Passages about a subject ordered by publication date."""

    subject: str
    entries: list[TimelineEntry] = field(default_factory=list)
    undated: int = 0  # passages about it that carry no date (left out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "entries": [{"n": e.n, "date": e.date, "text": e.text, "citation": e.citation.to_dict()} for e in self.entries],
            "undated": self.undated,
        }


@dataclass
class AnswerCandidate:
    """One of several distinct answers the articles give (an ambiguous question).

    ``n`` is the citation number of the passage that states it (in the Answer's numbering).
    """

    text: str
    n: int
    quote: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What the assistant returns: text with inline [n] markers and the passages they cite."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    question: str = ""
    standalone_question: str = ""
    answerer: str = "extractive"
    notice: str = ""
    supported_sentences: int = 0
    total_sentences: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    passages: list[Citation] = field(default_factory=list)  # everything retrieved, cited or not
    as_of: str = ""  # date of the newest cited article (ISO), "" when none is dated
    newer: Citation | None = None  # a newer, uncited passage on the question that scored close (n after the citations)
    disputed_by: list[Citation] = field(default_factory=list)  # passages giving a different answer (n after the citations)
    support_outlets: list[str] = field(default_factory=list)  # independent outlets backing the answer
    short_answer: str | None = None  # the answer phrase first ("Dmitry Peskov"), when there is one
    candidates: list[AnswerCandidate] = field(default_factory=list)  # distinct answers when ambiguous

    def to_dict(self, *, include_passages: bool = False) -> dict[str, Any]:
        out = {
            "answer": self.text,
            "short_answer": self.short_answer,
            "candidates": [c.to_dict() for c in self.candidates],
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answerer": self.answerer,
            "notice": self.notice,
            "supported_sentences": self.supported_sentences,
            "total_sentences": self.total_sentences,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "as_of": self.as_of,
            "newer": self.newer.to_dict() if self.newer else None,
            "disputed": bool(self.disputed_by),
            "disputed_by": [c.to_dict() for c in self.disputed_by],
            "support_outlets": list(self.support_outlets),
        }
        if include_passages:
            out["passages"] = [c.to_dict() for c in self.passages]
        return out


@dataclass(frozen=True, order=True)
class IngestFailure:
    """One item that could not be ingested, and why (the batch goes on)."""

    item: str  # the file, "file.jsonl:LINE" for a record of a JSON Lines file, or the URL
    reason: str  # what is wrong with it, for the user

    def to_dict(self) -> dict[str, str]:
        return {"item": self.item, "reason": self.reason}


@dataclass
class IngestSummary:
    """The closing summary of one ingest run."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[IngestFailure] = field(default_factory=list)
    skipped: int = 0  # files in folders that are not articles (unsupported type, hidden, links out)
    skipped_items: list[IngestFailure] = field(default_factory=list)  # skipped items worth naming, and why
    conflicts: list[str] = field(default_factory=list)  # ids another origin owns: refused, not replaced
    chunks_written: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": round(self.seconds, 3)}  # failed: [{item, reason}]

    def format(self) -> str:
        lines = [
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.removed}, failed {len(self.failed)}"
            + (f", skipped {self.skipped}" if self.skipped else "")
            + "; "
            f"{self.chunks_written} chunks written in {self.seconds:.1f} s"
        ]
        lines += [f"  failed: {f.item}: {f.reason}" for f in self.failed]
        lines += [f"  skipped: {f.item}: {f.reason}" for f in self.skipped_items]
        return "\n".join(lines)


@dataclass
class ArticleInfo:
    """One stored article as a catalogue lists it: its metadata, no text."""

    id: str
    title: str
    source: str = ""
    url: str = ""
    date: date | None = None
    passages: int = 0  # how many passages the store holds for it

    @classmethod
    def from_passage(cls, p: Passage) -> ArticleInfo:
        """The article a passage belongs to (every passage carries its article's metadata)."""
        return cls(p.article_id, p.title, p.source, p.url, p.date, p.n_chunks)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = self.date.isoformat() if self.date else ""
        return d


@dataclass
class ArticleText:
    """One stored article with its cleaned text, rebuilt from its passages (in order)."""

    info: ArticleInfo
    text: str
    passages: list[Passage] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.info.to_dict(),
            "text": self.text,
            "passages": [{"id": p.id, "position": p.position, "text": p.text} for p in self.passages],
        }
