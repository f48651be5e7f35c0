"""split_sentences: spans, abbreviations, numbers, quotes and punctuation."""
import pytest

from corpus.sentences import split_sentences


def sentences(text):
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Mr. Smith met Dr. Jones at St. Paul. They talked.", ["Mr. Smith met Dr. Jones at St. Paul.", "They talked."]),
        ("Use tools, e.g. Hammers, i.e. Heavy ones. Done.", ["Use tools, e.g. Hammers, i.e. Heavy ones.", "Done."]),
        ("The U.S. Army arrived. It stayed.", ["The U.S. Army arrived.", "It stayed."]),
        ("See No. 5 on p. 12 of Vol. 3. Next.", ["See No. 5 on p. 12 of Vol. 3.", "Next."]),
        ("He said no. Then he left.", ["He said no.", "Then he left."]),
        ("It began on Jan. 5 in Rome. Then Paris.", ["It began on Jan. 5 in Rome.", "Then Paris."]),
        ("Written by J. R. R. Tolkien. A classic.", ["Written by J. R. R. Tolkien.", "A classic."]),
        ("Growth was 3.5 percent. Inflation was 2.1.", ["Growth was 3.5 percent.", "Inflation was 2.1."]),
        ("Wait... what happened? Nothing… Really.", ["Wait... what happened?", "Nothing…", "Really."]),
        ("Apples, pears, etc. The list goes on.", ["Apples, pears, etc.", "The list goes on."]),
        (
            "Leaders pledged to “prevent terrorists from acquiring weapons,” as well as materials. Next.",
            ["Leaders pledged to “prevent terrorists from acquiring weapons,” as well as materials.", "Next."],
        ),
        ("She said, “We are done.” Next we go.", ["She said, “We are done.”", "Next we go."]),
        ("“Why?” he asked. (It was late.) We left.", ["“Why?” he asked.", "(It was late.)", "We left."]),
        ("The year ended. 2024 was hard.", ["The year ended.", "2024 was hard."]),
        ("no terminal punctuation", ["no terminal punctuation"]),
    ],
)
def test_split(text, expected):
    assert sentences(text) == expected


def test_spans_exclude_surrounding_whitespace():
    text = "  First one.   Second one.\n "
    spans = split_sentences(text)
    assert spans == [(2, 12), (15, 26)]
    assert all(text[a:b] == text[a:b].strip() for a, b in spans)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_text_has_no_sentences(text):
    assert split_sentences(text) == []


def test_spans_are_ordered_and_disjoint():
    text = "A b. C d? E f! G h... I j. " * 50
    spans = split_sentences(text)
    assert len(spans) == 250
    assert all(prev[1] <= nxt[0] for prev, nxt in zip(spans, spans[1:]))
