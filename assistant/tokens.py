"""Token counts for the OpenAI-compatible API's ``usage`` and its ``max_tokens``.

The tokenizer is all-MiniLM-L6-v2's (BERT's uncased WordPiece, 30,522 pieces), the one the
embedder already loads from the installed package; OpenAI's own encodings (``tiktoken``)
download their tables at run time, which cannot work offline. So counts are close to,
not equal to, what an OpenAI model would count (about 1.3 pieces a word in English news).
Without the tokenizer (a --no-deps install that lacks it), words and punctuation are
counted instead.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PIECES = re.compile(r"\w+|[^\w\s]")


@lru_cache(maxsize=1)
def _tokenizer():
    try:
        from tokenizers import Tokenizer

        from vectorstore.embeddings import _minilm_tokenizer_path

        tok = Tokenizer.from_file(str(_minilm_tokenizer_path()))
    except Exception:  # noqa: BLE001 - the fallback count below is documented
        return None
    tok.no_truncation()
    tok.no_padding()
    return tok


def count_tokens(text: str) -> int:
    """Tokens in ``text`` (MiniLM WordPiece, without the [CLS]/[SEP] markers)."""
    if not text:
        return 0
    tok = _tokenizer()
    if tok is None:
        return len(_PIECES.findall(text))
    return len(tok.encode(text, add_special_tokens=False).ids)


def truncate_tokens(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut after ``limit`` tokens (at the end of the token's characters); True when cut."""
    tok = _tokenizer()
    if tok is None:
        spans = [m.span() for m in _PIECES.finditer(text)]
    else:
        spans = list(tok.encode(text, add_special_tokens=False).offsets)
    if len(spans) <= limit:
        return text, False
    return (text[: spans[limit - 1][1]] if limit > 0 else ""), True
