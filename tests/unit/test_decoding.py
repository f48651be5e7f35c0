"""decode_bytes: encodings, byte-order marks, newlines and binary refusal."""
import codecs

import pytest

from corpus.decoding import decode_bytes
from corpus.errors import CorpusError


def test_utf8_is_decoded():
    assert decode_bytes("Café “quoted” — ok".encode(), "a.txt") == "Café “quoted” — ok"


def test_utf8_bom_is_stripped():
    assert decode_bytes(codecs.BOM_UTF8 + b"Title\nText", "a.txt") == "Title\nText"


def test_utf16_with_bom_is_decoded():
    data = codecs.BOM_UTF16_LE + "Hé\r\nthere".encode("utf-16-le")
    assert decode_bytes(data, "a.txt") == "Hé\nthere"


def test_cp1252_bytes_fall_back():
    # 0x93/0x94 are curly quotes in cp1252 and invalid as UTF-8.
    assert decode_bytes(b"caf\xe9 \x93ok\x94", "a.txt") == "café “ok”"


def test_latin1_is_last_resort():
    # 0x81 is undefined in cp1252, so only latin-1 can read these bytes.
    data = b"A na\xefve but long enough sentence of plain text \x81 here."
    assert decode_bytes(data, "a.txt") == "A naïve but long enough sentence of plain text \x81 here."


@pytest.mark.parametrize("raw, expected", [(b"a\r\nb", "a\nb"), (b"a\rb", "a\nb"), (b"a\r\n\r\nb\r", "a\n\nb\n")])
def test_newlines_are_normalised(raw, expected):
    assert decode_bytes(raw, "a.txt") == expected


def test_nul_bytes_mean_binary_and_name_the_file():
    with pytest.raises(CorpusError, match="image.txt"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.txt")


def test_many_control_characters_mean_binary():
    data = bytes(range(1, 9)) * 20 + b"some text"
    with pytest.raises(CorpusError, match="blob.md"):
        decode_bytes(data, "blob.md")


def test_tabs_and_form_feeds_are_text():
    assert decode_bytes(b"a\tb\x0cc", "a.txt") == "a\tb\x0cc"


def test_empty_bytes_give_empty_text():
    assert decode_bytes(b"", "a.txt") == ""
