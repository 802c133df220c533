"""Boilerplate lines of news pages that are never part of the story: photo captions and
credits, galleries ("Hide Caption"), "Read more" links, run-in related headlines,
newsletter prompts, bylines and datelines.

Each rule is named so its effect can be counted on a corpus (``count_rules``; the counts
on the dev corpus are in docs/DESIGN-NOTES.md). A rule drops a whole line, and only a
line whose shape is boilerplate: a caption is a line that *ends* with a photographer's
credit ("... on Sunday. Hector Retamal/AFP/Getty Images"), not one that mentions Getty.
The extractive answerer also skips such sentences where a store was built before a rule
existed (``is_boilerplate`` is shared).

``python -m ingest.boilerplate CORPUS.jsonl`` prints the counts per rule with examples.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable

_AGENCY = (
    r"(?:AP|Reuters|Getty Images|AFP|Bloomberg|EPA(?:-EFE)?|Shutterstock|Pool|POOL|AP Photo|USA TODAY(?: Sports| Network)?|"
    r"NurPhoto|Sipa USA|SOPA Images|Anadolu Agency|Xinhua|Imagn(?: Content Services)?|CNN|NASA|Handout)"
)
RULES: dict[str, re.Pattern[str]] = {
    # "... in Beijing on July 4. Andy Wong/AP"; "... Steph Chambers/Getty Images"; "Mike Ibert via Reuters"
    "photo_caption": re.compile(
        rf"(?:\b[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,4}}(?:/[\w .'’-]{{1,40}}){{0,3}}/{_AGENCY}"
        rf"|\bvia {_AGENCY}|\((?:Photo|Credit):[^)]{{1,80}}\)|^(?:Photo|Credit|Image):\s.{{1,80}})\s*$"
    ),
    "gallery": re.compile(r"^Photos:\s|\bHide Caption\b", re.I),
    "read_more": re.compile(r"^\W*(?:read more|more:|related:|see also)\b", re.I),
    # USA TODAY's inline links: "Woolly Mammoths:World's oldest DNA discovered ..."
    "related_headline": re.compile(r"^[^:.!?]{2,80}[a-z0-9?!'’\"”):]:(?=[A-Z“\"'‘#])[^\n]{5,200}$"),
    "newsletter": re.compile(
        r"\b(?:sign up|subscribe)\b.{0,120}\b(?:newsletter|inbox|alerts?|here)\b"
        r"|\bnewsletter\b.{0,80}\b(?:sign up|subscribe|inbox|delivered)\b|\bdelivered (?:straight )?to your inbox\b"
        r"|^get .{0,40} in your inbox|^check your local forecast|^podcasts:",
        re.I,
    ),
    "byline": re.compile(
        r"^(?:contributing:|reporting by |(?:by|photos? by) [A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}(?:,[^.]{0,60})?$"
        r"|[–—-]\s*[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,2}$|from usa today network and wire reports"
        r"|follow [^.]{2,40} on (?:twitter|x|instagram|facebook)\b|(?:the )?associated press$|ap$|usa today$)",
        re.I,
    ),
    # "CNN —", "New York CNN Business —"
    "dateline": re.compile(r"^\s*CNN(?: Business| Sport| Politics)?\s*[—–-]+\s*$"),
}


def matching_rule(line: str) -> str | None:
    """The name of the first boilerplate rule ``line`` matches, else None."""
    s = line.strip()
    if not s or len(s) > 3000:
        return None
    for name, rule in RULES.items():
        if rule.search(s):
            return name
    return None


def is_boilerplate(line: str) -> bool:
    """Whether a line (or a sentence) is page boilerplate, never part of the story."""
    return matching_rule(line) is not None


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
