"""Turn the raw bytes of a corpus file into text, or refuse it as binary."""
from __future__ import annotations

import codecs
import re

from corpus.errors import CorpusError

# Share of control characters above which a file is taken for binary data: real
# text has almost none besides tabs and newlines, even in legacy encodings.
_MAX_CONTROL_SHARE = 0.05
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_NEWLINES = re.compile(r"\r\n?")


def decode_bytes(data: bytes, name: str) -> str:
    """Decode a text file's bytes to a string with ``\\n`` newlines.

    Tries UTF-8 first (a byte-order mark is dropped; UTF-16 with a BOM is read too),
    then, for legacy 8-bit text, cp1252 and finally latin-1, which never fails.
    ``\\r\\n`` and lone ``\\r`` become ``\\n``: every character offset computed later
    (paragraph spans) refers to this returned text, not to the raw bytes.

    Raises :class:`CorpusError` naming ``name`` when the bytes look binary: a NUL
    byte, or more than 5% control characters.

    >>> decode_bytes(b"caf\\xe9\\r\\nbar", "a.txt")
    'café\\nbar'
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_utf16(data, name)
    else:
        if b"\x00" in data:
            raise CorpusError(f"{name}: looks like a binary file (NUL bytes), not text")
        text = _decode_8bit(data)
    if _looks_binary(text):
        raise CorpusError(f"{name}: looks like a binary file (control characters), not text")
    return _NEWLINES.sub("\n", text)


def _decode_utf16(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-16")  # the codec consumes the byte-order mark
    except UnicodeDecodeError as e:
        raise CorpusError(f"{name}: has a UTF-16 byte-order mark but is not valid UTF-16") from e


def _decode_8bit(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) > _MAX_CONTROL_SHARE * len(sample)
