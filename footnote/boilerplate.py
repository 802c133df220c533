"""Boilerplate lines of news pages that are never part of the story: photo captions and
credits, galleries ("Hide Caption"), "Read more" links, run-in related headlines,
newsletter prompts, bylines and datelines.

Each rule is named so its effect can be counted on a corpus (``count_rules``; the counts
on the dev corpus are in docs/DESIGN-NOTES.md). A rule drops a whole line, and only a
line whose shape is boilerplate: a caption is a line that *ends* with a photographer's
credit ("... on Sunday. Hector Retamal/AFP/Getty Images"), not one that mentions Getty.
Ingest drops these lines (ingest/clean.py); the extractive answerer also skips such
sentences, for stores built before a rule existed. ``python -m ingest.boilerplate
CORPUS.jsonl`` prints the counts per rule with examples.
"""

from __future__ import annotations

import re

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
    # a dateline on its own line: "CNN —", "New York CNN Business —", "Colombo, Sri Lanka CNN —", "KHN —"
    "dateline": re.compile(r"^\s*(?:[A-Z][\w.'’-]*,?\s+){0,5}(?:\(?CNN\)?(?: Business| Sport| Politics)?\s*)?[—–-]+\s*$"),
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
