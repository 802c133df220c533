"""Nationality words and the countries they name: "Ukrainian first lady Olena Zelenska"
answers "the first lady of which country?" with Ukraine. spaCy tags nationalities NORP
(at a sentence's start sometimes GPE), which names no place; a place question reads a
known one as its country. The table holds common countries' adjectives (not "American":
a continent, an airline, a league) and the UK's nations; an adjective not in it stays a
nationality.
"""

from __future__ import annotations

import re

DEMONYMS: dict[str, str] = {
    "afghan": "Afghanistan", "albanian": "Albania", "algerian": "Algeria",
    "angolan": "Angola", "argentine": "Argentina", "argentinian": "Argentina", "armenian": "Armenia",
    "australian": "Australia", "austrian": "Austria", "azerbaijani": "Azerbaijan", "bahraini": "Bahrain",
    "bangladeshi": "Bangladesh", "belarusian": "Belarus", "belgian": "Belgium", "bolivian": "Bolivia",
    "bosnian": "Bosnia and Herzegovina", "brazilian": "Brazil", "british": "United Kingdom", "bulgarian": "Bulgaria",
    "burmese": "Myanmar", "cambodian": "Cambodia", "cameroonian": "Cameroon", "canadian": "Canada",
    "chadian": "Chad", "chilean": "Chile", "chinese": "China", "colombian": "Colombia", "congolese": "Congo",
    "costa rican": "Costa Rica", "croatian": "Croatia", "cuban": "Cuba", "cypriot": "Cyprus", "czech": "Czech Republic",
    "danish": "Denmark", "dominican": "Dominican Republic", "dutch": "Netherlands", "ecuadorian": "Ecuador",
    "egyptian": "Egypt", "emirati": "United Arab Emirates", "english": "England", "eritrean": "Eritrea",
    "estonian": "Estonia", "ethiopian": "Ethiopia", "filipino": "Philippines", "finnish": "Finland",
    "french": "France", "georgian": "Georgia", "german": "Germany", "ghanaian": "Ghana", "greek": "Greece",
    "guatemalan": "Guatemala", "haitian": "Haiti", "honduran": "Honduras", "hungarian": "Hungary",
    "icelandic": "Iceland", "indian": "India", "indonesian": "Indonesia", "iranian": "Iran", "iraqi": "Iraq",
    "irish": "Ireland", "israeli": "Israel", "italian": "Italy", "ivorian": "Ivory Coast", "jamaican": "Jamaica",
    "japanese": "Japan", "jordanian": "Jordan", "kazakh": "Kazakhstan", "kenyan": "Kenya", "kosovar": "Kosovo",
    "kuwaiti": "Kuwait", "kyrgyz": "Kyrgyzstan", "latvian": "Latvia", "lebanese": "Lebanon", "liberian": "Liberia",
    "libyan": "Libya", "lithuanian": "Lithuania", "malaysian": "Malaysia", "malian": "Mali", "maltese": "Malta",
    "mexican": "Mexico", "moldovan": "Moldova", "mongolian": "Mongolia", "montenegrin": "Montenegro",
    "moroccan": "Morocco", "mozambican": "Mozambique", "namibian": "Namibia", "nepali": "Nepal", "nepalese": "Nepal",
    "new zealand": "New Zealand", "nicaraguan": "Nicaragua", "nigerian": "Nigeria", "nigerien": "Niger",
    "north korean": "North Korea", "norwegian": "Norway", "omani": "Oman", "pakistani": "Pakistan",
    "palestinian": "Palestine", "panamanian": "Panama", "paraguayan": "Paraguay", "peruvian": "Peru",
    "polish": "Poland", "portuguese": "Portugal", "qatari": "Qatar", "romanian": "Romania", "russian": "Russia",
    "rwandan": "Rwanda", "saudi": "Saudi Arabia", "saudi arabian": "Saudi Arabia", "scottish": "Scotland",
    "senegalese": "Senegal", "serbian": "Serbia", "singaporean": "Singapore", "slovak": "Slovakia",
    "slovenian": "Slovenia", "somali": "Somalia", "south african": "South Africa", "south korean": "South Korea",
    "south sudanese": "South Sudan", "spanish": "Spain", "sri lankan": "Sri Lanka", "sudanese": "Sudan",
    "swedish": "Sweden", "swiss": "Switzerland", "syrian": "Syria", "taiwanese": "Taiwan", "tajik": "Tajikistan",
    "tanzanian": "Tanzania", "thai": "Thailand", "tunisian": "Tunisia", "turkish": "Turkey", "turkmen": "Turkmenistan",
    "ugandan": "Uganda", "ukrainian": "Ukraine", "uruguayan": "Uruguay", "uzbek": "Uzbekistan",
    "venezuelan": "Venezuela", "vietnamese": "Vietnam", "welsh": "Wales", "yemeni": "Yemen", "zambian": "Zambia",
    "zimbabwean": "Zimbabwe",
}


def _key(words: str) -> str:
    """Lowercase words, one space apart, with straight apostrophes: a table key."""
    return " ".join(words.lower().replace("’", "'").split())


def country_of(nationality: str) -> str | None:
    """The country a nationality word names ("Ukrainian", "North Koreans"), else None."""
    key = _key(nationality)
    return DEMONYMS.get(key) or (DEMONYMS.get(key[:-1]) if key.endswith("s") else None)


_COUNTRIES = frozenset(c.lower() for c in DEMONYMS.values())


def is_country(name: str) -> bool:
    """Whether ``name`` is a country of the table ("Sri Lanka", "Sri Lanka’s"): the tagger
    sometimes reads one as a person or an organisation."""
    return _key(name).removesuffix("'s") in _COUNTRIES


# Countries news names several ways: a question that names one way names them all.
_ALIASES = (
    ("us", "usa", "america", "united states", "united states of america"),
    ("uk", "britain", "great britain", "united kingdom"),
)


def same_country_named(phrase_key: str, text_key: str) -> bool:
    """Whether ``text_key`` (normalised words) names the country ``phrase_key`` names by
    another of its names ("US" for "United States")."""
    hay = f" {text_key} "
    return any(phrase_key in names and any(f" {n} " in hay for n in names) for names in _ALIASES)


def is_alias(phrase_key: str) -> bool:
    """Whether ``phrase_key`` (normalised words) is one of the names of a country news
    names several ways ("us", "britain")."""
    return any(phrase_key in names for names in _ALIASES)


# Any country, alias or nationality of the tables, as words ("the United Kingdom’s", "Britain").
_ALL_NAMES = sorted({*DEMONYMS, *_COUNTRIES, *(n for names in _ALIASES for n in names)}, key=len, reverse=True)
COUNTRY_WORDS = re.compile(rf"\b(?:the )?(?:{'|'.join(map(re.escape, _ALL_NAMES))})(?:s|['’]s)?\b", re.I)
