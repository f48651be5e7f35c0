"""Reference entries: which names an entry paragraph defines, and which a question gives."""
from __future__ import annotations

import pytest

from index.entries import defining_rows, entry_names, entry_table, question_options, signature, vector_span


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("tidepool.load_stations(source, *, strict=True): Return a list of Station objects.",
         ["tidepool.load_stations", "load_stations"]),
        ("exception harbour.errors.MooringError: Raised when a line parts.",
         ["harbour.errors.mooringerror", "errors.mooringerror", "mooringerror"]),
        ("@harbour.cached(size=8): Decorator that keeps the last eight results.", ["harbour.cached", "cached"]),
        ("Buoy.colour: The colour painted on the buoy.", ["buoy.colour", "colour"]),
        ("heap[0]: The smallest item, without popping it.", ["heap"]),
        ("-q: Print nothing but the times.", ["-q"]),
        ("-s NAME, --station=NAME: Predict for the station called NAME.", ["-s", "--station"]),
        ("-X: Reserved for implementation-specific options.", ["-X"]),  # options keep their case
        # the reader joins a lead-in to the first entry it introduces
        ("The tidepool module defines the following functions: tidepool.load(source): Load it.",
         ["tidepool.load", "load"]),
        ("harbour.tides(station, *, days=1, interval=600, datum='chart', units='m', tz=None, strict=True, "
         "cache=None, progress=False, retries=3, timeout=30.0, verbose=False, **extra): Tide times.",
         ["harbour.tides", "tides"]),  # a long signature is still one
    ],
)
def test_an_entry_defines_the_name_of_its_signature(text, names):
    assert entry_names(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Some tips for experts: you can use the -q switch.",  # a sentence with a colon
        "The harbour master said: keep clear of the channel.",
        "No colon here, so no signature at all.",
        "x" * 500 + ": a head far too long to be a signature",
    ],
)
def test_prose_with_a_colon_defines_nothing(text):
    assert entry_names(text) == []


def test_signature_is_the_head_before_the_first_colon():
    assert signature("interval: (default: 600) Seconds between two levels.") == "interval"
    assert signature("no colon at all") == ""


def test_options_are_taken_only_where_a_command_line_would_have_them():
    assert question_options("What does the -q option print?") == ["-q"]
    assert question_options("How do I pass --station=Dover to it?") == ["--station"]
    assert question_options("Is a non-blocking, well-known call slow?") == []
    assert question_options("Is 5 - 3 two?") == []


def test_defining_rows_finds_an_entry_by_its_full_or_short_name():
    table = entry_table(["tidepool.load_stations(source): Load.", "Plain prose here.", "-q: Quiet.",
                         "Station.load_stations(x): Another one."])
    assert defining_rows(table, ["tidepool.load_stations()"]) == {0}
    assert defining_rows(table, ["load_stations"]) == {0, 3}
    assert defining_rows(table, ["-q"]) == {2}
    assert defining_rows(table, ["-Q"]) == set()  # -Q is another option than -q
    assert defining_rows(table, ["Tidepool.Load_Stations()"]) == {0}  # code names are matched loosely
    assert defining_rows(table, ["unknown.name"]) == set()


@pytest.mark.parametrize(
    ("text", "sentence", "vectorised"),
    [
        ("random.choices(population, *, k=1): Return a k sized list. Weights are optional.",
         "random.choices(population, *, k=1): Return a k sized list.", "Return a k sized list."),
        # the second sentence of an entry, and every sentence of prose, are whole
        ("random.choices(population, *, k=1): Return a k sized list. Weights are optional.",
         "Weights are optional.", "Weights are optional."),
        ("Some tips for experts: You can use the -O switch.",
         "Some tips for experts: You can use the -O switch.", "Some tips for experts: You can use the -O switch."),
        # a lead-in joined to the entry goes with the signature
        ("The shlex module defines the following functions: shlex.split(s): Split s like a shell.",
         "The shlex module defines the following functions: shlex.split(s): Split s like a shell.",
         "Split s like a shell."),
        ("-q: Print nothing but the times.", "-q: Print nothing but the times.", "Print nothing but the times."),
    ],
)
def test_an_entry_sentence_is_vectorised_without_its_signature(text, sentence, vectorised):
    start = text.index(sentence)
    a, b = vector_span(text, start, start + len(sentence))
    assert text[a:b] == vectorised
