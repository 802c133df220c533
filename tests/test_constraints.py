"""What a question pins down, and whether a passage meets it (assistant/constraints.py)."""

from __future__ import annotations

from datetime import date

from assistant.constraints import question_constraints, unmet
from footnote.records import Hit, Passage


def _rare(_token: str) -> float:
    return 9.0  # every capitalised word counts as a rare name


def _hit(text: str, day: date = date(2022, 8, 9)) -> Hit:
    return Hit(Passage(id="p", article_id="a", text=text, title="T", date=day), 1.0)


def test_a_number_inside_a_name_is_part_of_the_name():
    c = question_constraints("Which Covid-19 variant, BA.5 or BA.4, spreads fastest?", _rare)
    assert c.numbers == []
    assert "ba.5" in c.names and "ba.4" in c.names
    assert not unmet(c, _hit("BA.4 and BA.5 are the fastest-spreading Covid-19 variants reported."))


def test_a_round_number_in_the_question_is_met_by_the_precise_one():
    c = question_constraints("Police seized more than $11 million worth of cocaine hidden in which product?", _rare)
    assert c.numbers == ["11"]
    assert not unmet(c, _hit("Officers found $11.8 million worth of cocaine in a shipment of baby wipes."))
    assert unmet(c, _hit("Officers found $38.5 million worth of cocaine on a boat."))


def test_a_hyphenated_name_meets_its_parts():
    c = question_constraints("Where is Trump’s Mar-a-Lago estate?", _rare)
    assert not unmet(c, _hit("The FBI searched Mar-a-Lago, the resort in Palm Beach, Florida."))
    assert unmet(c, _hit("The FBI searched a resort in Palm Beach, Florida."))


def test_a_year_must_be_met():
    c = question_constraints("Who won the 2031 Eurovision Song Contest?", _rare)
    assert unmet(c, _hit("Loreen won Eurovision with Tattoo.", day=date(2023, 5, 14)))


def test_a_country_and_an_initial_are_no_rare_names():
    # the UK is "Britain" and "British" in the news; "J." and "K." are initials ("J.K.")
    c = question_constraints("Who became the new prime minister of the United Kingdom this week?", _rare)
    assert c.names == []
    assert not unmet(c, _hit("Rishi Sunak became Britain’s prime minister on Tuesday."))
    c = question_constraints("Which author did J. K. Rowling get in a Twitter row with?", _rare)
    assert c.names == ["rowl", "twitter"]
    assert not unmet(c, _hit("J.K. Rowling and Joanne Harris traded barbs on Twitter."))


def test_an_ordinal_is_a_number_the_answer_must_meet():
    c = question_constraints("Which country is set to become the 29th African nation to abolish the death penalty?", _rare)
    assert "29" in c.numbers
    assert not unmet(c, _hit("Zambia became the 29th African country to abolish the death penalty."))
    assert unmet(c, _hit("The United States still uses the death penalty in 27 states."))
