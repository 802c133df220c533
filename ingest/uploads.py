"""Uploaded files: a safe place in the upload folder for a name chosen by a stranger.

A browser or API client sends a file name; it may hold folders (``../../etc/passwd``,
``C:\\evil\\x.txt``), NUL bytes, control characters or a leading dot. ``safe_upload_path``
keeps only the last name component, cleans it, checks its type against the formats
ingest reads, and returns a path that is guaranteed to lie inside the upload folder.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders import SUPPORTED_EXTS

MAX_NAME_CHARS = 120


class UploadError(IngestError):
    """An uploaded file name or type is refused; the message says which and why."""


def clean_upload_name(filename: str) -> str:
    """The file name alone, with folders, '..', NUL, control and odd characters removed.

    Raises UploadError when nothing usable is left.
    """
    if not isinstance(filename, str):
        raise UploadError("the upload has no file name")
    name = unicodedata.normalize("NFKC", filename)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # NUL, controls, bidi overrides
    name = re.split(r"[/\\]", name)[-1]  # the last component only, for POSIX and Windows paths
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")  # also strips leading dots: no hidden files, no '..'
    name = re.sub(r"\.{2,}", ".", name)
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME_CHARS - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:MAX_NAME_CHARS]
    if not name or name.startswith("."):
        raise UploadError(f"unusable upload file name {filename!r}")
    return name


def safe_upload_path(folder: str | Path, filename: str, *, unique: bool = True) -> Path:
    """Where to save an upload named ``filename``: always a file directly inside ``folder``.

    Args:
        folder: the allowed upload folder (created if missing).
        filename: the name the client sent (untrusted).
        unique: prefix a random token so that two uploads with one name never overwrite
            each other (the article id comes from the path, so keep False to let a
            re-upload of the same name replace its article).

    Returns:
        A path inside ``folder`` with a supported extension.

    Raises:
        UploadError: the name is empty after cleaning, its type is not one ingest reads,
            or (defence in depth) the result would fall outside ``folder``.
    """
    base = Path(folder).resolve()
    name = clean_upload_name(filename)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED_EXTS:
        raise UploadError(
            f"file type {ext or '(none)'} is not accepted; use one of {', '.join(sorted(SUPPORTED_EXTS))}", name,
        )
    if unique:
        name = f"{uuid.uuid4().hex[:8]}-{name}"
    base.mkdir(parents=True, exist_ok=True)
    target = (base / name).resolve()
    if target.parent != base:  # e.g. a symlink planted in the folder
        raise UploadError(f"{filename!r} resolves outside the upload folder")
    return target
