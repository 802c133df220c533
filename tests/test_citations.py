"""The citation checker on fixed texts, with the real MiniLM embedder: markers parsed,
range-checked, support-checked, repaired and renumbered."""

import pytest

from assistant.citations import CitationChecker, lexical_support, parse_markers
from assistant.entities import missing_names, missing_numbers
from footnote.records import Hit, Passage
from footnote.settings import SAMPLE_ARTICLE, Settings
from vectorstore.embeddings import get_embedder

PARAS = [p for p in SAMPLE_ARTICLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
PESKOV = next(p for p in PARAS if "Peskov" in p)  # passage 1: the denial
TREATY = next(p for p in PARAS if "mutual defense agreement" in p)  # passage 2
WEATHER = "Heavy rain is expected in Lisbon on Sunday, forecasters said. Temperatures will drop to 12 degrees."


def hits(*texts: str) -> list[Hit]:
    return [Hit(Passage(f"p{i}", f"a{i}", t, title=f"Article {i}"), 1.0 / i) for i, t in enumerate(texts, 1)]


@pytest.fixture(scope="module")
def checker() -> CitationChecker:
    return CitationChecker(get_embedder(Settings(_env_file=None)), threshold=0.5)


@pytest.fixture(scope="module")
def three() -> list[Hit]:
    return hits(PESKOV, TREATY, WEATHER)


def test_out_of_range_markers_are_dropped(checker, three):
    r = checker.check("Dmitry Peskov rejected the reports, calling them fake news [9].", three)
    assert r.dropped_markers == [9]
    assert "[9]" not in r.text
    # the supported sentence gets its real passage instead of the bogus one
    assert r.text.endswith("[1]") and r.citations[0].passage_id == "p1"
    assert r.sentences[0].added and r.supported_sentences == 1


def test_marker_zero_and_huge_numbers_are_dropped_and_valid_ones_kept(checker, three):
    r = checker.check("Peskov rejected reports of North Korean troops [0, 1, 999].", three)
    assert sorted(r.dropped_markers) == [0, 999]
    assert [c.passage_id for c in r.citations] == ["p1"]


def test_unsupported_sentence_is_flagged(checker, three):
    text = "Peskov rejected the reports, calling them fake news [1]. The moon is made of green cheese [1]."
    r = checker.check(text, three)
    assert (r.supported_sentences, r.total_sentences) == (1, 2)
    first, second = r.sentences
    assert first.supported and not second.supported and second.support < 0.5
    assert len(r.citations) == 1 and r.citations[0].supported is False  # cited for a claim it does not back


def test_every_citation_supported_when_every_claim_is(checker, three):
    r = checker.check("Peskov called the reports fake news [1]. Both countries signed a mutual defense agreement [2].", three)
    assert (r.supported_sentences, r.total_sentences) == (2, 2)
    assert [c.supported for c in r.citations] == [True, True]
    assert "Peskov" in r.citations[0].quote and "mutual defense agreement" in r.citations[1].quote


def test_uncited_clearly_supported_sentence_gets_its_citation(checker, three):
    r = checker.check("Both countries signed a mutual defense agreement during Putin's visit to Pyongyang.", three)
    assert r.text.endswith("[1]") and r.citations[0].passage_id == "p2"
    assert r.sentences[0].added and r.supported_sentences == 1 and r.added_markers == 1


def test_uncited_unsupported_sentence_gets_no_citation(checker, three):
    r = checker.check("Nobody knows what the future holds for the region's economy.", three)
    assert r.citations == [] and (r.supported_sentences, r.total_sentences) == (0, 1)


def test_wrong_passage_is_repointed_when_another_clearly_supports(checker, three):
    r = checker.check("Both countries signed a mutual defense agreement during Putin's visit to Pyongyang [3].", three)
    s = r.sentences[0]
    assert s.repointed and s.removed == [3] and s.supported
    assert [c.passage_id for c in r.citations] == ["p2"]


def test_semantic_support_counts_a_paraphrase(checker):
    passage = hits("The Kremlin's spokesman rejected the claims, saying they were fake news.")
    sentence = "A Kremlin representative dismissed the reports as false."
    assert lexical_support(sentence, passage[0].passage.text) < 0.5  # words alone would fail it
    assert checker.support(sentence, passage[0].passage.text) > CitationChecker(None).support(sentence, passage[0].passage.text)


def test_a_number_the_passage_does_not_state_is_unsupported(checker, three):
    assert missing_numbers("on October 12", PESKOV) == ["12"] and missing_numbers("on October 10", PESKOV) == []
    r = checker.check("Peskov rejected the reports on October 12 [1].", three)
    assert not r.sentences[0].supported and r.citations[0].supported is False


def test_a_person_the_passage_does_not_name_is_unsupported(checker, three):
    assert missing_names("Kim Jong Un denied the reports.", PESKOV) == ["Jong", "Un"]
    assert missing_names("Russian spokesman Dmitry Peskov's words.", PESKOV) == []
    r = checker.check("Kim Jong Un denied the reports [1]. According to passage 1, Dmitry Peskov denied them [1].", three)
    assert [s.supported for s in r.sentences] == [False, True]


def test_citations_are_renumbered_in_order_of_first_use(checker, three):
    text = "Both countries signed a mutual defense agreement [2]. Peskov called the reports fake news [1]."
    r = checker.check(text, three)
    assert r.text == ("Both countries signed a mutual defense agreement. [1] "
                      "Peskov called the reports fake news. [2]")
    assert [(c.n, c.passage_id) for c in r.citations] == [(1, "p2"), (2, "p1")]


@pytest.mark.parametrize(
    "text",
    ["Peskov called the reports fake news. [1]", "Peskov called the reports fake news.[1]",
     "Peskov called the reports fake news [1].", "Peskov called the reports fake news.\n[1]"],
)
def test_marker_positions_all_attach_to_their_sentence(checker, three, text):
    r = checker.check(text, three)
    assert r.text == "Peskov called the reports fake news. [1]" and r.total_sentences == 1


def test_marker_forms_and_irrelevant_extra_markers(checker, three):
    assert parse_markers("1, 2") == [1, 2] and parse_markers("2-4") == [2, 3, 4] and parse_markers("3–4") == [3, 4]
    r = checker.check("Peskov called the reports fake news [1][3].", three)
    assert r.sentences[0].removed == [3] and [c.passage_id for c in r.citations] == ["p1"]


def test_questions_and_paragraphs(checker, three):
    text = "Who denied the reports?\n\nPeskov called the reports fake news [1]."
    r = checker.check(text, three)
    assert r.total_sentences == 1  # the echoed question is no claim
    assert r.text == "Who denied the reports?\n\nPeskov called the reports fake news. [1]"


def test_known_quotes_count_as_support(checker, three):
    quote = PESKOV.split(". ")[0]
    r = checker.check(f"{quote}. [1]", three, quotes={1: quote})
    assert r.citations[0].quote == quote and r.citations[0].supported


def test_lexical_only_checker_still_checks():
    r = CitationChecker(None).check("Peskov called the reports fake news [1]. Cheese is tasty [1]. [5]", hits(PESKOV))
    assert (r.supported_sentences, r.total_sentences) == (1, 2) and r.dropped_markers == [5]


def test_empty_answer_and_no_passages(checker):
    assert checker.check("", []).citations == []
    r = checker.check("Peskov denied it [1].", [])
    assert r.dropped_markers == [1] and r.citations == [] and r.text == "Peskov denied it."


def test_every_sentence_citing_one_passage_marks_its_own_quote(checker):
    two = "Peskov rejected the reports, calling them fake news. North Korea was likely planning to send troops to support Russia."
    text = "Dmitry Peskov rejected the reports as fake news [1]. North Korea was likely planning to send troops [1]."
    r = checker.check(text, hits(two))
    assert r.citations[0].quote and len(r.citations[0].quotes) == 2
    assert set(r.citations[0].quotes) == {"Peskov rejected the reports, calling them fake news.",
                                          "North Korea was likely planning to send troops to support Russia."}
