"""Names and numbers (assistant/entities.py): the one rule set the extractive answerer and
the citation checker share."""

from assistant.entities import missing_names, missing_numbers, name_words, new_names, new_numbers

PASSAGE = "Kremlin spokesman Dmitry Peskov said on October 10 that 40% of the $1,200 budget was spent."


def test_a_number_is_the_same_with_or_without_its_signs():
    assert missing_numbers("Peskov spoke on October 10 about 40 percent of 1200 dollars.", PASSAGE) == []
    assert missing_numbers("Peskov spoke on October 12.", PASSAGE) == ["12"]
    assert new_numbers("It cost $1,200 and three more.", "how much did it cost?") == ["$1,200", "three"]
    assert new_numbers("It took 3 minutes.", "did it take 3 minutes?") == []


def test_names_are_capitalised_runs_and_the_first_word_never_counts():
    assert new_names("The dress was designed by Bob Mackie for the Bank of America gala.", "who?") == [
        "Bob Mackie", "Bank of America"]
    assert name_words("Kim Jong Un met Peskov.") == ["Jong", "Un", "Peskov"]
    assert missing_names("Kim Jong Un met Peskov.", PASSAGE) == ["Jong", "Un"]


def test_grammar_bylines_and_answer_words_are_not_names():
    assert new_names("Photo by Getty Images for CNN today.", "who?") == []
    assert name_words("According to Passage 2, Yes, the Answer came from Peskov's office.") == ["Peskov's"]
    assert missing_names("He said Peskov's office denied it.", PASSAGE) == []
