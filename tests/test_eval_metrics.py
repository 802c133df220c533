"""Every evaluation metric on hand-made cases; question files with bad records; run
summaries, comparisons and the unanswerable-set selection on made-up data (no store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import metrics as M
from eval.compare import compare_runs, format_text, render_html
from eval.compare import main as compare_main
from eval.dataset import DatasetError, load_questions
from eval.runner import latency_metrics, recall_curve, summarize
from eval.unanswerable import articles_holding, choose

# --- SQuAD normalisation -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("The Cat!", "cat"),
        ("  a   an  the  ", ""),
        ("“Squid Game”", "squid game"),  # curly quotes are punctuation too
        ("U.S.", "us"),
        ("theater", "theater"),  # articles only as whole words
        ("Anne and THE end", "anne and end"),
        ("$1,000.50", "100050"),  # punctuation dropped without a space
        ("three-quarters", "threequarters"),
        ("Biden's", "bidens"),
        ("Zürich\tand\nGenève", "zürich and genève"),
        ("", ""),
    ],
)
def test_normalize_answer(raw, expected):
    assert M.normalize_answer(raw) == expected


def test_exact_match_is_max_over_gold_answers():
    assert M.exact_match("the Squid Game.", ["Breaking Bad", "“Squid Game”"]) == 1.0
    assert M.exact_match("Squid Game season 2", ["Squid Game"]) == 0.0
    assert M.exact_match("anything", []) == 0.0


def test_token_f1():
    # pred tokens [cat, sat], gold [cat, sat, down]: P=1, R=2/3, F1=0.8
    assert M.token_f1("The cat sat", ["cat sat down"]) == pytest.approx(0.8)
    assert M.token_f1("cat cat", ["cat"]) == pytest.approx(2 * 0.5 * 1 / 1.5)  # counts, not sets
    assert M.token_f1("dog", ["cat", "a dog"]) == 1.0  # best gold wins
    assert M.token_f1("dog", ["cat"]) == 0.0
    assert M.token_f1("the", ["a"]) == 1.0  # both empty after normalisation (SQuAD's rule)
    assert M.token_f1("the", ["cat"]) == 0.0


def test_containment_on_word_boundaries():
    assert M.containment("The hike was the biggest since 1994.", ["1994"]) == 1.0
    assert M.containment("since 1994", ["94"]) == 0.0
    assert M.containment("Netflix renewed “Squid Game”.", ["Squid Game"]) == 1.0
    assert M.containment("the end", ["The"]) == 0.0  # a gold that normalises to nothing never matches
    assert M.containment("no answer here", []) == 0.0
    # a possessive holds its owner: SQuAD's normalisation alone reads "Mississippi’s" as "mississippis"
    assert M.containment("As Mississippi’s capital city entered a fourth day", ["Mississippi"]) == 1.0
    assert M.containment("Kanye West's account was locked", ["Kanye West"]) == 1.0
    assert M.containment("trying to open Domino’s Pizza in Italy", ["Domino’s"]) == 1.0
    assert M.containment("the Mississippian culture", ["Mississippi"]) == 0.0  # still whole words
    # so does a hyphen's part, read the same way on both sides
    assert M.containment("A 17-year-old has become the youngest pilot", ["17"]) == 1.0
    assert M.containment("a new Chick-fil-A opened", ["Chick-fil-A"]) == 1.0
    assert M.containment("Blink-182 reunites", ["Blink"]) == 1.0 and M.containment("Blink-182", ["182"]) == 1.0


# --- retrieval -----------------------------------------------------------------------------


def test_recall_at_k_and_reciprocal_rank():
    ranked = ["x", "x", "y", "gold", "z"]
    assert M.recall_at_k(ranked, ["gold"], 1) == 0.0
    assert M.recall_at_k(ranked, ["gold"], 4) == 1.0
    assert M.recall_at_k(ranked, ["other", "x"], 1) == 1.0
    assert M.recall_at_k(ranked, [], 10) == 0.0
    assert M.reciprocal_rank(ranked, ["gold"]) == pytest.approx(0.25)
    assert M.reciprocal_rank(ranked, ["gold"], k=3) == 0.0
    assert M.reciprocal_rank(ranked, ["y", "gold"]) == pytest.approx(1 / 3)


# --- citations -----------------------------------------------------------------------------

PESKOV = "Russian spokesman Dmitry Peskov on October 10 rejected reports about North Korean troops."
OTHER = "The weather in Lisbon was sunny all week, with light winds."


def test_citation_precision_proxy():
    golds = ["Dmitry Peskov"]
    in_other_article = M.CitedPassage(1, PESKOV, "not-evidence", supported=False)
    evidence_supported = M.CitedPassage(2, OTHER, "ev", supported=True)
    evidence_unsupported = M.CitedPassage(3, OTHER, "ev", supported=False)
    assert M.citation_is_precise(in_other_article, golds, ["ev"])  # holds the answer: counts though not evidence
    # An evidence article's passage without the answer does not count, even when the
    # answerer's own check calls it supported (an extractive answer supports its quote).
    assert not M.citation_is_precise(evidence_supported, golds, ["ev"])
    assert not M.citation_is_precise(evidence_unsupported, golds, ["ev"])
    assert M.citation_precision([in_other_article, evidence_unsupported], golds, ["ev"]) == 0.5
    assert M.citation_precision([], golds, ["ev"]) is None


def test_answer_sentences_keep_their_markers():
    assert M.answer_sentences("Peskov denied it. [1] Kim said so. [2, 3]") == [
        ("Peskov denied it.", [1]), ("Kim said so.", [2, 3])
    ]
    assert M.answer_sentences("Two sentences here. And another [1].") == [
        ("Two sentences here.", []), ("And another", [1])
    ]
    assert M.answer_sentences("") == []


def test_citation_recall_proxy():
    cites = {1: M.CitedPassage(1, PESKOV), 2: M.CitedPassage(2, OTHER)}
    answer = "Dmitry Peskov rejected reports about North Korean troops. [1] It was sunny in Lisbon. [1] No citation here."
    # sentence 1 supported by [1]; sentence 2 cites a passage that does not support it; sentence 3 cites nothing
    assert M.citation_recall(answer, cites, ["Dmitry Peskov"]) == pytest.approx(1 / 3)
    assert M.citation_recall("It was sunny in Lisbon. [2]", cites, []) == 1.0
    # a cited passage and the sentence holding the same gold answer count even when the words differ
    assert M.citation_recall("The Kremlin's man was Dmitry Peskov. [1]", cites, ["Dmitry Peskov"], threshold=0.99) == 1.0
    assert M.citation_recall("[1]", cites, []) is None
    assert M.citation_recall("Cites a missing passage. [9]", cites, []) == 0.0


def test_mean_and_percentile_ignore_none():
    assert M.mean([1.0, None, 0.0]) == 0.5
    assert M.mean([None]) is None
    assert M.percentile([10, 20, 30, 40, None], 50) == 25.0
    assert M.percentile([], 95) is None
    assert M.percentile(range(1, 101), 95) == pytest.approx(95.05)


# --- question files ------------------------------------------------------------------------


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_bad_records_are_reported_by_line_and_the_rest_kept(tmp_path):
    f = _write(tmp_path / "q.jsonl", [
        json.dumps({"id": "a", "question": "Who?", "answers": ["X"], "evidence": ["e1"], "question_date": "2022-06-16",
                    "type": "who", "quiz_explanation": "SECRET", "choices": ["X", "Y"]}),
        "{not json",
        json.dumps({"id": "b", "question": "No answers?"}),
        "",
        json.dumps({"id": "c", "question": "Unanswerable?", "unanswerable": True}),
        json.dumps(["a list"]),
        json.dumps({"id": "a", "question": "Duplicate id", "answers": ["Z"]}),
        json.dumps({"question": "Bad date", "answers": "single string", "question_date": "June 2022"}),
    ])
    qs = load_questions(f)
    assert [q.id for q in qs.questions] == ["a", "c", "line-8"]
    a = qs.questions[0]
    assert a.answers == ["X"] and a.evidence == ["e1"] and a.type == "who" and a.question_date.isoformat() == "2022-06-16"
    assert not hasattr(a, "quiz_explanation") and "SECRET" not in repr(a)  # never carried along
    assert qs.questions[1].unanswerable and qs.questions[1].answers == []
    assert qs.questions[2].answers == ["single string"] and qs.questions[2].question_date is None
    skipped = {p.line: p.message for p in qs.problems if p.skipped}
    assert set(skipped) == {2, 3, 6, 7}
    assert "malformed JSON" in skipped[2] and "missing 'answers'" in skipped[3] and "duplicate id" in skipped[7]
    assert qs.n_skipped == 4
    assert [p.line for p in qs.problems if not p.skipped] == [8]  # the bad date: evaluated anyway


def test_unknown_evidence_ids_are_warned_and_dropped(tmp_path):
    f = _write(tmp_path / "q.jsonl", [json.dumps({"question": "Q?", "answers": ["A"], "evidence": ["known", "gone"]})])
    qs = load_questions(f)
    qs.check_evidence({"known"})
    assert qs.questions[0].evidence == ["known"]
    (p,) = qs.problems
    assert p.line == 1 and not p.skipped and "gone" in p.message


def test_csv_with_pipe_and_json_lists(tmp_path):
    f = tmp_path / "q.csv"
    f.write_text(
        "id,question,answers,evidence,unanswerable\n"
        'q1,Who won?,Alice|Alice Smith,e1|e2,\n'
        'q2,"Where, exactly?","[""Paris"", ""Paris, France""]","[""e3""]",false\n'
        "q3,No answers,,,\n"
        "q4,Nothing known?,,,yes\n",
        encoding="utf-8",
    )
    qs = load_questions(f)
    assert [(q.id, q.answers, q.evidence, q.unanswerable) for q in qs.questions] == [
        ("q1", ["Alice", "Alice Smith"], ["e1", "e2"], False),
        ("q2", ["Paris", "Paris, France"], ["e3"], False),
        ("q4", [], [], True),
    ]
    assert [(p.line, p.skipped) for p in qs.problems] == [(4, True)]


def test_csv_without_the_needed_columns_and_empty_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("query,gold\nx,y\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="'question' and 'answers'"):
        load_questions(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    qs = load_questions(empty)
    assert not qs.questions and "no questions" in qs.problems[0].message
    with pytest.raises(DatasetError, match="no such file"):
        load_questions(tmp_path / "missing.jsonl")


# --- run summaries and comparisons ------------------------------------------------------------


def _result(qid, *, unanswerable=False, refused=False, f1=0.5, contained=1.0, r5=1.0, evidence=("e",), retrieved=("e",),
            total=100.0, qtype="which"):
    scores = dict.fromkeys(["recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "exact_match", "f1", "containment",
                            "citation_precision", "citation_recall"])
    if not unanswerable:
        scores.update(recall_at_1=r5, recall_at_5=r5, recall_at_10=r5, mrr_at_10=r5, exact_match=0.0, f1=f1,
                      containment=contained, citation_precision=1.0, citation_recall=1.0)
    scores["refused"] = refused
    return {
        "id": qid, "line": 1, "question": f"question {qid} <b>", "type": qtype, "question_date": None,
        "unanswerable": unanswerable, "gold_answers": [] if unanswerable else ["A"], "evidence": list(evidence),
        "answer": "The articles do not contain the answer." if refused else "A [1]", "refused": refused,
        "answerer": "extractive", "notice": "", "citations": [],
        "retrieved": [{"rank": i, "article_id": a} for i, a in enumerate(retrieved, 1)], "scores": scores,
        "timings": {"retrieve_ms": total / 10, "answer_ms": total / 2, "total_ms": total, "retrieve_top10_ms": 1.0},
    }


def test_summarize_refusals_and_means():
    results = [
        _result("a", f1=1.0), _result("b", f1=0.0, contained=0.0, r5=0.0, refused=True),
        _result("u1", unanswerable=True, refused=True), _result("u2", unanswerable=True, refused=False),
        _result("u3", unanswerable=True, refused=True),
    ]
    m = summarize(results)
    assert m["n_questions"] == 5
    assert m["f1"] == 0.5 and m["containment"] == 0.5 and m["recall_at_5"] == 0.5
    assert m["refusal_accuracy"] == pytest.approx(2 / 3)
    assert m["wrong_refusal_rate"] == 0.5
    assert summarize(results[:2])["refusal_accuracy"] is None


def test_recall_curve_and_latency():
    results = [_result("a", retrieved=("x", "e")), _result("b", retrieved=("e",)), _result("c", retrieved=("x",) * 10, total=300)]
    curve = recall_curve(results)
    assert curve[0] == pytest.approx(1 / 3) and curve[1] == pytest.approx(2 / 3) and curve[9] == pytest.approx(2 / 3)
    lat = latency_metrics(results)
    assert lat["latency_p50_ms"] == 100.0 and lat["latency_p95_ms"] == pytest.approx(280.0)
    assert lat["retrieval_p50_ms"] == 10.0


def _run_dir(folder: Path, results: list[dict]) -> Path:
    folder.mkdir()
    (folder / "metrics.json").write_text(json.dumps(summarize(results)))
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
    return folder


def test_compare_lists_question_changes_and_deltas(tmp_path, capsys):
    a = _run_dir(tmp_path / "a", [_result("q1", f1=0.2), _result("q2", f1=1.0), _result("q3"), _result("only-a")])
    b = _run_dir(tmp_path / "b", [_result("q1", f1=0.9), _result("q2", f1=1.0, contained=0.0), _result("q3"), _result("only-b")])
    comp = compare_runs(a, b)
    assert comp.common == 3 and comp.only_a == ["only-a"] and comp.only_b == ["only-b"]
    assert [c.id for c in comp.improved] == ["q1"] and [c.id for c in comp.regressed] == ["q2"]
    a_f1, b_f1 = comp.deltas["f1"]
    assert b_f1 - a_f1 == pytest.approx((0.9 + 1.0 + 0.5 + 0.5 - 0.2 - 1.0 - 0.5 - 0.5) / 4)
    text = format_text(comp)
    assert "1 question(s) improved in B" in text and "q2" in text
    html = render_html(comp)
    assert "question q1 &lt;b&gt;" in html and "question q1 <b>" not in html
    assert compare_main([str(a), str(b)]) == 0
    assert (b / "compare.html").is_file() and "data:image/png;base64," in (b / "compare.html").read_text()
    assert compare_main([str(a), str(tmp_path / "nope")]) == 2
    assert "not a run folder" in capsys.readouterr().err


# --- the unanswerable set --------------------------------------------------------------------


def test_unanswerable_selection_removes_every_article_holding_the_answer():
    corpus = [
        {"id": "ev", "title": "Squid Game renewed", "text": "Netflix renewed “Squid Game” for a second season."},
        {"id": "dup", "title": "Another outlet", "text": "The hit show Squid Game is coming back."},
        {"id": "misc", "title": "Weather", "text": "Sunny. Season of rain ahead."},
        {"id": "n1", "title": "Numbers", "text": "It rose 3 percent."},
        {"id": "n2", "title": "More numbers", "text": "3 people came."},
    ]
    questions = [
        {"id": "sq", "question": "Which show was renewed?", "answers": ["Squid Game"], "evidence": ["ev"]},
        {"id": "num", "question": "How many?", "answers": ["3"], "evidence": ["n1"]},
        {"id": "none", "question": "No answers", "answers": []},
    ]
    assert articles_holding(["“Squid Game”"], {a["id"]: " " + M.normalize_answer(a["text"]) + " " for a in corpus}) == {"ev", "dup"}
    chosen = choose(questions, corpus, n=5, max_removed=2)
    assert chosen == {"sq": {"ev", "dup"}, "num": {"n1", "n2"}}
    assert choose(questions, corpus, n=5, max_removed=1) == {}  # both too common for the cap
    # an article naming the answer only in the possessive holds it too, and goes
    corpus.append({"id": "poss", "title": "Ratings", "text": "Squid Game’s second season drew 60 million viewers."})
    assert choose(questions, corpus, n=5, max_removed=3)["sq"] == {"ev", "dup", "poss"}
