"""Easy-read checks: the advice given when a text is not easy to read (long sentences, long
words, numbers in words, linking and hard words), in English and Welsh. Used when the library
is validated and when staff write their own prompts and actions.
"""

from __future__ import annotations

import re

MAX_WORDS = 15
MAX_WORD_LETTERS = 12


# fmt: off
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?۔؟])\s+")  # Urdu ends sentences with ۔ and ؟
_NUMBER_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
        "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
        "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16",
        "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30",
        "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
        "ninety": "90", "hundred": "100", "thousand": "1000", "million": "1000000",
    },
    # Welsh forms with their mutations. "un" (also "the same", "someone") and "deg" (also the
    # soft-mutated "teg", fair) are left out: flagging them would be wrong more often than right.
    "cy": {
        "dau": "2", "ddau": "2", "dwy": "2", "ddwy": "2", "tri": "3", "dri": "3", "thri": "3",
        "tair": "3", "dair": "3", "thair": "3", "pedwar": "4", "bedwar": "4", "phedwar": "4",
        "pedair": "4", "bedair": "4", "phedair": "4", "pump": "5", "bump": "5", "phump": "5",
        "chwech": "6", "saith": "7", "wyth": "8", "naw": "9", "ddeg": "10", "ugain": "20",
        "hugain": "20", "cant": "100", "gant": "100", "chant": "100", "mil": "1000",
        "fil": "1000",
    },
}
# "one" is also a pronoun: "no one", "this one", "which one" are everyday easy read.
_ONE_AS_PRONOUN_AFTER = frozenset({
    "no", "any", "every", "some", "each", "this", "that", "which", "the", "another", "other",
    "little", "loved", "only", "new", "old", "right", "wrong", "big", "last", "next", "same",
    "favourite", "special",
})
_LINKING_WORDS = {
    "en": frozenset({"and", "but", "because", "which", "although", "however", "unless",
                     "whereas", "therefore"}),
    "cy": frozenset({"a", "ac", "ond", "oherwydd", "achos", "felly", "er"}),
}
_HARD_WORDS = {
    "en": {
        "accommodation": "home", "additional": "more", "appropriate": "right",
        "approximately": "about", "assistance": "help", "commence": "start",
        "facilitate": "help", "individual": "person", "medication": "medicine",
        "obtain": "get", "purchase": "buy", "regarding": "about", "require": "need",
        "residence": "home", "sufficient": "enough", "utilise": "use", "utilize": "use",
    },
}

# fmt: on


def easy_read_problems(text: str, lang: str = "en") -> list[str]:
    """Advice for making ``text`` easy read; an empty list means it passes.

    Checks each sentence for more than 15 words, words longer than 12 letters, numbers written
    as words (easy read uses digits), hard words with an everyday swap, and signs of more than
    1 idea (semicolons, or several linking words). Independent of the library, so any feature
    that writes to the person (prompts, "You said, we did" actions) can reuse it.
    """
    text = text.strip()
    if not text:
        return ["The text is empty."]
    problems: list[str] = []
    numbers = _NUMBER_WORDS.get(lang, {})
    hard = _HARD_WORDS.get(lang, {})
    linking = _LINKING_WORDS.get(lang, frozenset())
    for sentence in _SENTENCE_END.split(text):
        words = _WORD.findall(sentence)
        lowered = [w.lower() for w in words]
        if len(words) > MAX_WORDS:
            start = " ".join(words[:6])
            problems.append(
                f"Sentence has {len(words)} words: use {MAX_WORDS} or fewer ({start!r}...)."
            )
        for i, (word, low) in enumerate(zip(words, lowered, strict=True)):
            letters = sum(ch.isalpha() for ch in word)
            if letters > MAX_WORD_LETTERS and "-" not in word:
                problems.append(f"{word!r} is a long word: try a shorter everyday word.")
            if low in hard:
                problems.append(f"{word!r} is a hard word: try {hard[low]!r}.")
            parts = low.replace("’", "'").split("-")
            if any(part in numbers for part in parts):
                if low == "one" and i > 0 and lowered[i - 1] in _ONE_AS_PRONOUN_AFTER:
                    continue
                known = [numbers[part] for part in parts if part in numbers]
                digits = f" ({sum(map(int, known))})" if len(known) == len(parts) else ""
                problems.append(f"Number word {word!r}: write numbers as digits{digits}.")
        if ";" in sentence:
            problems.append("A semicolon joins 2 ideas: use 2 sentences.")
        if sum(1 for w in lowered if w in linking) >= 2:
            problems.append("This sentence may hold more than 1 idea: try splitting it.")
    return problems


def sentence_count(text: str) -> int:
    """How many sentences ``text`` has (prompts must have exactly 1)."""
    return len([s for s in _SENTENCE_END.split(text.strip()) if _WORD.search(s)])
