"""HTML for the news notes under an answer (as of, a newer article, support, disputes) and
for the Timeline view. Article text is escaped here like everywhere on the page."""

from __future__ import annotations

from footnote.records import Answer, Timeline
from ui.render import esc, render_citation


def render_news(answer: Answer | dict, turn: str) -> tuple[str, str]:
    """(the lines under an answer, the passages they point at), the passages numbered
    after the citations; ("", "") when there is nothing to say."""
    a = answer if isinstance(answer, dict) else answer.to_dict()
    if a.get("refused"):
        return "", ""
    lines: list[str] = []
    extra: list[dict] = []
    if a.get("as_of"):
        lines.append(f'<div class="fn-asof">As of {esc(a["as_of"])}</div>')
    newer = a.get("newer")
    if newer:
        lines.append(
            f'<div class="fn-newer">A newer article ({esc(newer["date"])}) may change this '
            f'<a class="fn-ref" href="#fn-{turn}-{int(newer["n"])}" data-fn-target="fn-{turn}-{int(newer["n"])}">[{int(newer["n"])}]</a></div>'
        )
        extra.append(newer)
    outlets = a.get("support_outlets") or []
    if len(outlets) > 1:
        lines.append(f'<div class="fn-support">Reported by {len(outlets)} independent outlets: {esc(", ".join(outlets))}</div>')
    disputes = a.get("disputed_by") or []
    if disputes:
        refs = ", ".join(
            f'<a class="fn-ref" href="#fn-{turn}-{int(c["n"])}" data-fn-target="fn-{turn}-{int(c["n"])}">[{int(c["n"])}]</a> '
            f"{esc(c.get('source') or c.get('title') or '')}"
            for c in disputes
        )
        lines.append(f'<div class="fn-disputed">Disputed by {refs}</div>')
        extra += [c for c in disputes if not newer or c["n"] != newer["n"]]
    if not lines:
        return "", ""
    cites = "".join(render_citation(c, turn) for c in sorted(extra, key=lambda c: c["n"]))
    block = f'<div class="fn-cites fn-other"><div class="fn-cites-h">Other accounts</div>{cites}</div>' if cites else ""
    return f'<div class="fn-news">{"".join(lines)}</div>', block


def render_timeline(timeline: Timeline | dict) -> str:
    """The Timeline view: one dated line per story, each with its citation."""
    t = timeline if isinstance(timeline, dict) else timeline.to_dict()
    if not t["entries"]:
        return f'<div class="fn-timeline fn-empty">No dated reports about {esc(t["subject"])} in the articles.</div>'
    rows = "".join(
        f'<li class="fn-tl-entry"><span class="fn-tl-date">{esc(e["date"])}</span> '
        f'<span class="fn-tl-text">{esc(e["text"])}</span> '
        f'<a class="fn-ref" href="#fn-tl-{int(e["n"])}" data-fn-target="fn-tl-{int(e["n"])}">[{int(e["n"])}]</a>'
        f'<span class="fn-tl-source"> {esc(e["citation"].get("source") or "")}</span></li>'
        for e in t["entries"]
    )
    undated = f'<div class="fn-tl-undated">{int(t["undated"])} undated report(s) not shown.</div>' if t.get("undated") else ""
    cites = "".join(render_citation(e["citation"], "tl") for e in t["entries"])
    return (
        f'<div class="fn-timeline"><div class="fn-tl-h">Timeline: {esc(t["subject"])}</div><ol>{rows}</ol>{undated}'
        f'<div class="fn-cites">{cites}</div></div>'
    )
