"""Counting the boilerplate rules (footnote/boilerplate.py) on a corpus:
``python -m ingest.boilerplate CORPUS.jsonl`` prints the lines each rule drops, with examples."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable

from footnote.boilerplate import RULES, matching_rule


def count_rules(texts: Iterable[str], examples: int = 3) -> tuple[Counter[str], dict[str, list[str]]]:
    """How many lines of ``texts`` each rule drops, with a few examples of each."""
    counts: Counter[str] = Counter()
    seen: dict[str, list[str]] = {}
    for text in texts:
        for line in text.split("\n"):
            name = matching_rule(line)
            if name:
                counts[name] += 1
                if len(seen.setdefault(name, [])) < examples:
                    seen[name].append(line.strip()[:140])
    return counts, seen


def main(argv: list[str] | None = None) -> int:
    """Print the per-rule counts for a JSONL corpus (one article a line, field ``text``)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ingest.boilerplate CORPUS.jsonl", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        texts = [str(json.loads(line).get("text") or "") for line in fh if line.strip()]
    counts, seen = count_rules(texts)
    for name in RULES:
        print(f"{name:18} {counts[name]:6}")
        for ex in seen.get(name, []):
            print(f"    {ex}")
    print(f"{'total':18} {sum(counts.values()):6}  lines in {len(texts)} articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
