"""The page's HTML for a cited passage: every cited sentence marked, the passage collapsed
to them, article text escaped."""

from ui.render import mark_sentences, render_answer, render_citation

TEXT = "First <b>one</b>. Second one here. Third one."


def test_every_quote_is_marked_and_text_is_escaped():
    out = mark_sentences(TEXT, ["First <b>one</b>.", "Third one."])
    assert out.count('<mark class="fn-quote">') == 2
    assert "&lt;b&gt;one&lt;/b&gt;" in out and "<b>" not in out


def test_citation_shows_the_cited_sentences_with_the_passage_one_click_away():
    html = render_citation({"n": 2, "text": TEXT, "title": "T", "quotes": ["Second one here.", "Third one."]}, "t7")
    assert 'id="fn-t7-2"' in html
    cited = html.split('<div class="fn-cited">')[1].split("</div>")[0]
    assert cited.count("<mark") == 2 and "First" not in cited
    assert '<details class="fn-more">' in html and " open" not in html.split("<details")[1].split(">")[0]


def test_answer_carries_its_turn_id_and_as_of():
    html = render_answer({"answer": "Yes [1].", "refused": False, "citations": [{"n": 1, "text": TEXT, "title": "T"}],
                          "asked_as_of": "2024-10-12"}, "t3")
    assert 'id="fn-msg-t3"' in html and "Asked as of 2024-10-12" in html and 'href="#fn-t3-1"' in html
