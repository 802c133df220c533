"""News shapes end to end (real embedded Chroma, real MiniLM, the real assistant): wire
copies grouped and folded, newer versions replacing older, dated answers, disputes, timelines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import write

from assistant import Assistant
from assistant.news import annotate, notes
from assistant.timeline import timeline_subject
from footnote.records import Answer, Citation, Hit, Passage
from footnote.settings import SAMPLE_ARTICLE, Settings
from ingest.dedup import NearDuplicates
from ingest.pipeline import Ingestor

TROOPS = Path(__file__).parent / "data" / "north-korean-troops-in-ukraine.md"

WIRE = (
    "WASHINGTON (AP) — The Federal Reserve raised its benchmark interest rate by a quarter point on Wednesday "
    "to 5.5 percent, the highest level in 22 years, and left the door open to further increases. "
    "Fed chair Jerome Powell said inflation remained well above the central bank's 2 percent target "
    "and that officials would decide on future moves meeting by meeting. Stocks rose after the announcement, "
    "with the S&P 500 gaining 0.4 percent in afternoon trading. Economists had widely expected the increase, "
    "the eleventh since March of last year, as the labour market stays tight and wage growth strong."
)
OTHER = (
    "The city zoo welcomed twin panda cubs on Tuesday, the first born in the country in a decade. "
    "Keepers said the cubs weighed about 150 grams each and were feeding well with their mother Mei."
)


def _jsonl(path: Path, records: list[dict]) -> Path:
    return write(path, "\n".join(json.dumps(r) for r in records) + "\n")


def _rec(i: str, source: str, text: str, day: str, url: str = "", title: str = "") -> dict:
    return {"id": i, "title": title or text[:60], "source": source, "url": url or f"https://{source.lower().replace(' ', '')}.example/{i}",
            "published_date": day, "text": text}


@pytest.fixture
def assistant_for(settings: Settings):
    def make(*paths: Path) -> Assistant:
        a = Assistant(settings)
        summary = Ingestor(settings, a.store, a.lexical).ingest(list(paths))
        assert summary.ok, summary.format()
        return a
    return make


def test_seed_case_each_side_cited_and_disputed(assistant_for):
    a = assistant_for(SAMPLE_ARTICLE, TROOPS)
    says = a.ask("Who says North Korean troops are in Ukraine?")
    assert not says.refused and {c.source for c in says.citations} == {"Seoul Herald"}
    # the article names two who say so; either is a right answer
    assert "National Intelligence Service" in says.text or "Zelensky" in says.text
    assert [c.source for c in says.disputed_by] == ["Kyiv Independent"]
    assert "Peskov" in says.disputed_by[0].quote
    assert says.disputed_by[0].n == len(says.citations) + 1
    assert says.as_of == "2024-10-18"
    assert "Disputed by [2] Kyiv Independent" in notes(says)
    denied = a.ask("Who denied the reports?")
    assert not denied.refused and {c.source for c in denied.citations} == {"Kyiv Independent"}
    assert "Peskov" in denied.text
    assert [c.source for c in denied.disputed_by] == ["Seoul Herald"]
    body = denied.to_dict()
    assert body["disputed"] is True and body["disputed_by"][0]["source"] == "Seoul Herald"


def test_undisputed_answer_has_no_dispute(assistant_for):
    a = assistant_for(TROOPS)
    ans = a.ask("How many special forces soldiers did North Korea send?")
    assert "1,500" in ans.text and ans.disputed_by == [] and ans.to_dict()["disputed"] is False
    assert ans.as_of == "2024-10-18" and notes(ans) == ["As of 2024-10-18"]


def test_wire_copies_grouped_folded_and_counted_once(settings, tmp_path, assistant_for):
    copies = [
        _rec("w1", "USA Today", WIRE, "2023-07-26"),
        _rec("w2", "CNN", WIRE.replace("WASHINGTON (AP) — ", "(AP) ") + " Copyright 2023 The Associated Press.", "2023-07-26"),
        _rec("w3", "Daily Planet", WIRE.replace("Stocks rose", "Shares climbed"), "2023-07-27"),
        _rec("z1", "City Post", OTHER, "2023-07-25"),
    ]
    a = assistant_for(_jsonl(tmp_path / "wire.jsonl", copies))
    groups = {p.article_id: p.group for p in a.store.iter_passages()}
    assert groups["w1"] == groups["w2"] == groups["w3"] == "w1" and groups["z1"] == "z1"
    hits = a.retrieve("What did the Federal Reserve do with interest rates?", top_k=3)
    wire = [h for h in hits if h.passage.group == "w1"]
    assert len({h.passage.article_id for h in wire}) == 1  # one representative
    assert sorted(wire[0].also_in) == sorted({"USA Today", "CNN", "Daily Planet"} - {wire[0].passage.source})
    ans = a.ask("What did the Federal Reserve do with interest rates?")
    assert ans.citations and len(ans.support_outlets) == 1  # three copies, one independent outlet
    assert sorted(ans.citations[0].also_in) == sorted(wire[0].also_in)
    # a later run (a new Ingestor reading the saved index) puts a fourth copy in the same group
    more = _jsonl(tmp_path / "more.jsonl", [_rec("w4", "Gazette", WIRE.replace("22 years", "twenty-two years"), "2023-07-27")])
    Ingestor(settings).ingest([more])
    assert NearDuplicates.load(settings).groups["w4"] == "w1"


def test_newer_version_of_a_url_replaces_the_older(settings, tmp_path):
    url = "https://valley.example/flood"
    old = _rec("v1", "Valley News", "Heavy rain flooded Millbrook on Tuesday, forcing 300 residents from their homes. " * 3, "2024-10-29", url)
    new = _rec("v2", "Valley News", "Heavy rain flooded Millbrook this week, forcing 450 residents from their homes. " * 3, "2024-10-31", url)
    ing = Ingestor(settings)
    ing.ingest([_jsonl(tmp_path / "a.jsonl", [old])])
    s = ing.ingest([_jsonl(tmp_path / "b.jsonl", [new])])
    assert (s.added, s.removed) == (1, 1)
    assert {p.article_id for p in ing.store.iter_passages()} == {"v2"}
    late = ing.ingest([_jsonl(tmp_path / "c.jsonl", [_rec("v0", "Valley News", "An early draft about Millbrook rain. " * 3, "2024-10-28", url)])])
    assert (late.added, late.unchanged) == (0, 1)
    assert {p.article_id for p in ing.store.iter_passages()} == {"v2"}


def _hit(pid: str, source: str, day: str, text: str, score: float) -> Hit:
    p = Passage(pid, pid.split(":")[0], text, title=text[:30], source=source, date=date.fromisoformat(day))
    return Hit(p, score, similarity=score)


def test_newer_uncited_passage_that_scored_close_is_noted():
    cited = _hit("a:0", "Valley News", "2024-10-29", "Flooding forced 300 residents from their homes in Millbrook.", 0.60)
    newer = _hit("b:0", "River Times", "2024-11-02", "Flooding in Millbrook forced residents from more homes; a second shelter opened.", 0.55)
    far = _hit("c:0", "Hill Post", "2024-11-05", "A bake sale raised money for the Millbrook library.", 0.20)
    ans = Answer("Flooding forced 300 residents from their homes [1].", [Citation.from_hit(1, cited, quote=cited.passage.text)])
    annotate(ans, [cited, newer, far])
    assert ans.as_of == "2024-10-29"
    assert ans.newer is not None and ans.newer.source == "River Times" and ans.newer.date == "2024-11-02"
    assert ans.newer.n == 2
    assert "A newer article (2024-11-02) may change this [2]" in notes(ans)
    old = _hit("d:0", "Old Paper", "2024-01-01", "Millbrook's river last flooded in 1998.", 0.59)
    ans2 = Answer("x [1].", [Citation.from_hit(1, cited, quote=cited.passage.text)])
    annotate(ans2, [cited, old, far])
    assert ans2.newer is None  # older, or too far below the cited score


def test_number_conflict_is_a_dispute():
    cited = _hit("a:0", "Valley News", "2024-10-29", "Flooding forced 300 residents of Millbrook from their homes.", 0.6)
    other = _hit("b:0", "River Times", "2024-10-29", "Officials said flooding forced 450 residents of Millbrook from their homes.", 0.5)
    ans = Answer("x [1].", [Citation.from_hit(1, cited, quote=cited.passage.text)])
    annotate(ans, [cited, other])
    assert [c.source for c in ans.disputed_by] == ["River Times"]


def test_timeline_questions_and_view(settings, tmp_path, assistant_for):
    recs = [
        _rec("b2", "Coast Daily", "Engineers reopened the Harbour Bridge to traffic on Monday after three months of repairs to its cracked beams.", "2024-05-06"),
        _rec("b1", "Coast Daily", "Inspectors closed the Harbour Bridge on Wednesday after finding cracks in two support beams.", "2024-02-07"),
        _rec("b3", "Metro News", "The Harbour Bridge repair bill reached 40 million dollars, the transport ministry said on Friday.", "2024-03-15"),
        _rec("z1", "City Post", OTHER, "2024-03-01"),
    ]
    a = assistant_for(_jsonl(tmp_path / "bridge.jsonl", recs))
    tl = a.timeline("the Harbour Bridge")
    assert [e.date for e in tl.entries] == ["2024-02-07", "2024-03-15", "2024-05-06"]
    assert [e.citation.article_id for e in tl.entries] == ["b1", "b3", "b2"]
    assert "cracks" in tl.entries[0].text and tl.to_dict()["entries"][2]["citation"]["source"] == "Coast Daily"
    ans = a.ask("What happened with the Harbour Bridge?")
    assert ans.answerer == "timeline" and not ans.refused
    assert ans.text.splitlines()[0].startswith("2024-02-07: ") and ans.text.splitlines()[0].endswith("[1]")
    assert len(ans.citations) == 3 and ans.as_of == "2024-05-06"
    none = a.ask("timeline of the Mars colony")
    assert none.refused and none.citations == []


@pytest.mark.parametrize("q,x", [
    ("What happened with the Harbour Bridge?", "the Harbour Bridge"),
    ("timeline of North Korean troops in Ukraine", "North Korean troops in Ukraine"),
    ("Give me a timeline of the Twitter takeover", "the Twitter takeover"),
    ("What has happened to Liz Truss?", "Liz Truss"),
    ("Hurricane Ian timeline", "Hurricane Ian"),
    ("Who denied the reports?", None),
    ("What happened?", None),
])
def test_timeline_subject(q, x):
    assert timeline_subject(q) == x


def test_collapse_folds_repeated_passages_and_keeps_what_a_version_adds():
    from assistant.wire import collapse_groups

    def hit(pid, aid, source, text, score):
        return Hit(Passage(pid, aid, text, source=source, group="g1"), score)

    first = hit("a:0", "a", "USA Today", WIRE, 0.9)
    copy = hit("b:0", "b", "CNN", WIRE.replace("Stocks rose", "Shares rose"), 0.85)
    added = hit("b:1", "b", "CNN", "Later on Wednesday the White House said the president respected the Fed's independence.", 0.5)
    other = Hit(Passage("z:0", "z", OTHER, source="City Post"), 0.4)
    out = collapse_groups([first, copy, added, other])
    assert [h.passage.id for h in out] == ["a:0", "b:1", "z:0"]
    assert out[0].also_in == ["CNN"] and out[1].also_in == []


def test_a_close_newer_passage_about_something_else_is_not_noted_and_scales_are_not_units():
    cited = _hit("a:0", "Valley News", "2024-10-29", "Flooding forced 300 residents from their homes in Millbrook.", 0.60)
    unrelated = _hit("b:0", "River Times", "2024-11-02", "A new morning show launches on Monday with three hosts.", 0.58)
    ans = Answer("x [1].", [Citation.from_hit(1, cited, quote=cited.passage.text)])
    annotate(ans, [cited, unrelated])
    assert ans.newer is None
    a = _hit("c:0", "CNN", "2022-11-15", "The rule let US authorities expel more than 1 million migrants at the border.", 0.6)
    b = _hit("d:0", "USA Today", "2022-11-15", "Authorities expelled migrants at the border 2.5 million times under the rule.", 0.5)
    ans2 = Answer("x [1].", [Citation.from_hit(1, a, quote=a.passage.text)])
    annotate(ans2, [a, b])
    assert ans2.disputed_by == []  # 1 million migrants vs 2.5 million times: different things counted


def test_old_reports_and_false_claims_are_not_disputes():
    cited = _hit("a:0", "Daily", "2023-01-05", "Congress raised the maximum Pell Grant by 500 dollars for students.", 0.6)
    old = _hit("b:0", "Paper", "2019-05-15", "Advocates urged Congress to reject a plan to freeze the maximum Pell Grant for students.", 0.5)
    fox = _hit("c:0", "Herald", "2023-01-04", "Hosts repeated false claims while Congress raised the maximum Pell Grant for students.", 0.5)
    ans = Answer("x [1].", [Citation.from_hit(1, cited, quote=cited.passage.text)])
    annotate(ans, [cited, old, fox])
    assert ans.disputed_by == []


def test_counts_of_different_things_or_scores_are_not_disputes():
    from assistant.news import conflicts

    assert not conflicts("At least 96 people have been killed by the wildfire.", "About 1,000 people were still missing.")
    assert not conflicts("The Yankees won with a 3-2 victory over the Braves.", "Oakland set up game seven with a 3-1 victory over the Mets.")
    assert conflicts("The eruption is the first in 40 years.", "The eruption is the first in 38 years.")
    assert conflicts("Peskov rejected reports of troops in Ukraine.", "Seoul said troops are in Ukraine.")
