"""Loaders: one function per format, each turning a file into Articles (or raising
IngestError with the reason). ``load_path`` picks the loader by extension.

JSON Lines are streamed record by record, so a large corpus is never read whole; every
other format is one article per file and is refused above ``max_file_mb`` (checked with
``stat`` before anything is read). One article's text is capped at ``max_article_chars``
(a record's field, a text file, a PDF's pages): longer is refused, never silently cut.
A text or Markdown file that could not fit that cap even at one byte per character is
refused before it is read, so a 50 MB log file renamed ``.txt`` costs no memory.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from footnote.records import Article, sha1
from ingest.clean import clean_text, parse_date
from ingest.errors import IngestError

TEXT_EXTS = {".txt", ".text"}
MARKDOWN_EXTS = {".md", ".markdown"}
HTML_EXTS = {".html", ".htm", ".xhtml"}
PDF_EXTS = {".pdf"}
JSONL_EXTS = {".jsonl", ".ndjson"}
SUPPORTED_EXTS = TEXT_EXTS | MARKDOWN_EXTS | HTML_EXTS | PDF_EXTS | JSONL_EXTS
MAX_RECORD_CHARS = 2_000_000  # default of Settings.max_article_chars
MIN_TEXT_CHARS = 20
JSONL_LINE_SLACK = 1_000_000  # bytes a JSONL line may hold beyond its text (other fields, escapes)


def decode_bytes(data: bytes, name: str) -> str:
    """Decode text: BOM first (UTF-8/16/32), then UTF-8, then Windows-1252/Latin-1.

    Raises IngestError for empty or binary content.
    """
    if not data.strip():
        raise IngestError("empty file")
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as e:
                raise IngestError(f"invalid {enc} text: {e.reason}") from e
    sample = data[:8192]
    if b"\x00" in sample:
        raise IngestError("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace") if _mostly_cp1252(data) else data.decode("latin-1")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:8192]) // 50):
        raise IngestError("binary file (control characters), not text")
    return text


def _mostly_cp1252(data: bytes) -> bool:
    undefined = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    return not any(b in undefined for b in data[:65536])


def _check_size(path: Path, max_bytes: int) -> int:
    """The file's size, refused (without reading) when empty or over ``max_bytes``."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError("empty file")
    if size > max_bytes:
        raise IngestError(
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit; "
            "split it or raise FOOTNOTE_MAX_FILE_MB"
        )
    return size


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    _check_size(path, max_bytes)
    return path.read_bytes()


def _check_chars(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise IngestError(
            f"article text is {len(text):,} characters, over the {max_chars:,} limit; "
            "split it or raise FOOTNOTE_MAX_ARTICLE_CHARS"
        )
    return text


def _read_text(path: Path, max_bytes: int, max_chars: int) -> str:
    """A plain-text file's decoded text; refused unread when it cannot fit ``max_chars``.

    UTF-16 and UTF-32 spend 2 and 4 bytes a character, so the byte bound allows for them.
    """
    bound = max_chars * 4 + 4
    if path.stat().st_size > bound:
        _check_size(path, max_bytes)  # the clearer message when that limit is the one hit
        raise IngestError(
            f"file is {path.stat().st_size / 1e6:.1f} MB, over the {max_chars:,}-character limit of one "
            "article (not read); split it or raise FOOTNOTE_MAX_ARTICLE_CHARS"
        )
    return _check_chars(decode_bytes(_read_bytes(path, max_bytes), path.name), max_chars)


def file_article_id(path: Path) -> str:
    """Stable id of a file's article: from its resolved path, so a changed file replaces itself."""
    return "file-" + sha1(str(path.resolve()))[:16]


def _finish(art: Article) -> Article:
    if len(art.text.strip()) < MIN_TEXT_CHARS:
        raise IngestError("no article text found")
    if not art.title:
        first = art.text.strip().split("\n", 1)[0]
        art.title = first[:100] + ("…" if len(first) > 100 else "")
    return art


def load_text(path: Path, max_bytes: int, max_chars: int = MAX_RECORD_CHARS) -> Article:
    text = _read_text(path, max_bytes, max_chars)
    c = clean_text(text)
    return _finish(Article(file_article_id(path), c.title, c.text, c.source, "", c.date, str(path)))


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def load_markdown(path: Path, max_bytes: int, max_chars: int = MAX_RECORD_CHARS) -> Article:
    text = _read_text(path, max_bytes, max_chars)
    meta: dict[str, str] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        for line in m.group(1).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip().lower()] = v.strip().strip("\"'")
        text = text[m.end():]
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> their text
    text = re.sub(r"^\s{0,3}(#{1,6})\s+", "", text, flags=re.M)  # heading marks
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    c = clean_text(
        text,
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        published=parse_date(meta.get("date") or meta.get("published_date") or meta.get("published")),
    )
    return _finish(Article(file_article_id(path), c.title, c.text, c.source, meta.get("url", ""), c.date, str(path)))


def article_from_html(
    html: str, *, article_id: str, origin: str, url: str = "", max_chars: int = MAX_RECORD_CHARS
) -> Article:
    """Main article text of an HTML page (trafilatura), cleaned, with its metadata."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html, url=url or None, include_comments=False, include_tables=False, favor_precision=True, with_metadata=True
        )
    except Exception as e:  # lxml / trafilatura raise assorted errors on broken markup
        raise IngestError(f"unreadable HTML: {type(e).__name__}: {e}") from e
    if doc is None or not (doc.text or "").strip():
        raise IngestError("no article found in the HTML page (only navigation or boilerplate)")
    _check_chars(doc.text, max_chars)
    c = clean_text(doc.text, title=doc.title or "", source=doc.sitename or "", published=parse_date(doc.date))
    return _finish(Article(article_id, c.title, c.text, c.source, url or doc.url or "", c.date, origin))


def load_html(path: Path, max_bytes: int, max_chars: int = MAX_RECORD_CHARS) -> Article:
    html = decode_bytes(_read_bytes(path, max_bytes), path.name)
    return article_from_html(html, article_id=file_article_id(path), origin=str(path), max_chars=max_chars)


def load_pdf(path: Path, max_bytes: int, max_chars: int = MAX_RECORD_CHARS) -> Article:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    _check_size(path, max_bytes)
    with path.open("rb") as fh:
        if b"%PDF-" not in fh.read(1024):  # the spec allows junk before the header
            raise IngestError("not a PDF (no %PDF- header)")
    try:
        reader = PdfReader(str(path))
        pages: list[str] = []
        chars = 0
        for p in reader.pages:
            pages.append(p.extract_text() or "")
            chars += len(pages[-1])
            if chars > max_chars:
                break  # refused below; no need to extract the rest
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise IngestError(f"malformed PDF: {e}") from e
    except Exception as e:  # pypdf raises assorted errors on truncated files
        raise IngestError(f"malformed PDF: {type(e).__name__}: {e}") from e
    text = _check_chars("\n\n".join(pages), max_chars)
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise IngestError("PDF has no text layer (scanned?); run OCR first")
    title = (info.title if info and info.title else "") or ""
    published = None
    if info and info.creation_date:
        try:
            published = info.creation_date.date()
        except Exception:
            published = None
    c = clean_text(text, title=title, published=published)
    return _finish(Article(file_article_id(path), c.title, c.text, c.source, "", c.date, str(path)))


def _bounded_lines(fh: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """Lines of a binary file; None for a line longer than ``limit`` (skipped, never held whole)."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):  # drain the rest of the overlong line
            line = fh.readline(1 << 20)
        yield None


def iter_jsonl(path: Path, max_chars: int = MAX_RECORD_CHARS) -> Iterator[Article | IngestError]:
    """Articles of a JSON Lines file, one per line; a bad line yields an IngestError naming it.

    Lines are read one at a time (a line longer than the article limit allows is skipped
    unread), so a corpus of any size streams in constant memory.
    """
    seen: set[str] = set()
    line_limit = max_chars * 4 + JSONL_LINE_SLACK
    with path.open("rb") as fh:
        for lineno, raw in enumerate(_bounded_lines(fh, line_limit), 1):
            where = f"{path.name}:{lineno}"
            if raw is None:
                yield IngestError(
                    f"line is over the {line_limit / 1e6:.0f} MB limit of one record "
                    "(set by FOOTNOTE_MAX_ARTICLE_CHARS); skipped unread", where,
                )
                continue
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("cp1252", errors="replace")
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                yield IngestError(f"malformed JSON ({e.msg})", where)
                continue
            if not isinstance(rec, dict):
                yield IngestError("a record must be a JSON object", where)
                continue
            text = rec.get("text")
            if not isinstance(text, str) or not text.strip():
                yield IngestError("missing or empty 'text'", where)
                continue
            if len(text) > max_chars:
                yield IngestError(
                    f"'text' is {len(text):,} characters, over the {max_chars:,} limit "
                    "(FOOTNOTE_MAX_ARTICLE_CHARS)", where,
                )
                continue
            if any(isinstance(rec.get(k), (dict, list)) for k in ("id", "title", "source", "url")):
                yield IngestError("'id', 'title', 'source' and 'url' must be strings", where)
                continue
            long_field = next((k for k in ("id", "title", "source", "url") if len(str(rec.get(k) or "")) > 2000), None)
            if long_field:
                yield IngestError(f"'{long_field}' is over 2,000 characters; is it the article text?", where)
                continue
            url = str(rec.get("url") or "")
            aid = str(rec.get("id") or "") or ("url-" + sha1(url)[:16] if url else "rec-" + sha1(text)[:16])
            if aid in seen:
                yield IngestError(f"duplicate id {aid!r} (first one kept)", where)
                continue
            seen.add(aid)
            published = parse_date(str(rec.get("published_date") or rec.get("date") or ""))
            c = clean_text(text, title=str(rec.get("title") or ""), source=str(rec.get("source") or ""), published=published)
            try:
                yield _finish(Article(aid, c.title, c.text, c.source, url, c.date, where))
            except IngestError as e:
                yield IngestError(e.reason, where)


def load_path(path: Path, max_bytes: int, max_chars: int = MAX_RECORD_CHARS) -> Iterator[Article | IngestError]:
    """Articles from one file, whatever its format (errors yielded, never raised).

    Args:
        path: the file.
        max_bytes: largest single-article file read (JSON Lines are streamed, not capped).
        max_chars: longest article text accepted.
    """
    ext = path.suffix.lower()
    if ext in JSONL_EXTS:
        yield from iter_jsonl(path, max_chars)
        return
    loader = {**dict.fromkeys(TEXT_EXTS, load_text), **dict.fromkeys(MARKDOWN_EXTS, load_markdown),
              **dict.fromkeys(HTML_EXTS, load_html), **dict.fromkeys(PDF_EXTS, load_pdf)}.get(ext)
    if loader is None:
        yield IngestError(f"unsupported file type {ext or '(none)'}; use one of {', '.join(sorted(SUPPORTED_EXTS))}")
        return
    try:
        art = loader(path, max_bytes, max_chars)
    except IngestError as e:
        yield e
    except (OSError, UnicodeError) as e:
        yield IngestError(f"cannot read: {e.strerror if isinstance(e, OSError) and e.strerror else e}")
    except MemoryError:
        yield IngestError("too large to load in memory; split it")
    else:
        yield art


def article_from_url(url: str, timeout: float = 20.0) -> Article:
    """Fetch a web page (only when the user asks) and extract its article."""
    import httpx

    try:
        resp = httpx.get(url, timeout=timeout, follow_redirects=True, headers={"User-Agent": "Footnote/1.0"})
        resp.raise_for_status()
    except httpx.HTTPError as e:
        raise IngestError(f"cannot fetch {url}: {e}") from e
    return article_from_html(resp.text, article_id="url-" + sha1(url)[:16], origin=url, url=url)
