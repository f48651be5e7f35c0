"""How much of the pages' own text survives HTML extraction.

Counts the ``<p>`` elements of at least four words inside each page's main content
(``[role=main]``, else ``<main>``, else ``<body>``) whose text is missing from what
``corpus.html.read_html`` keeps, and prints the count with examples:

    python bench/html_coverage.py /tmp/pydocs --examples 20
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import html as lxml_html  # noqa: E402

from corpus.errors import CorpusError  # noqa: E402
from corpus.html import read_html  # noqa: E402
from qa.evaluation import normalize  # noqa: E402


def comparable(text: str) -> str:
    """Letters and digits only, one space apart: markup and punctuation differences do not count."""
    return re.sub(r"[^a-z0-9]+", " ", normalize(text)).strip()


def main_content(data: bytes):
    """The element holding the page's own text."""
    tree = lxml_html.fromstring(data)
    return next(iter(tree.xpath('//*[@role="main"]') or tree.xpath("//main") or tree.xpath("//body") or [tree]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a folder of .html pages (searched recursively)")
    parser.add_argument("--examples", type=int, default=10, help="how many lost paragraphs to print")
    args = parser.parse_args()
    pages = paragraphs = 0
    lost: list[tuple[str, str]] = []
    for page in sorted(args.folder.rglob("*.html")):
        data = page.read_bytes()
        try:
            kept = comparable(" ".join(block.text for block in read_html(data, page.name).blocks))
        except CorpusError:
            continue
        pages += 1
        for p in main_content(data).iter("p"):
            text = comparable(p.text_content())
            if len(text.split()) < 4:
                continue
            paragraphs += 1
            if text not in kept:
                lost.append((str(page.relative_to(args.folder)), text[:110]))
    print(f"{pages} pages, {paragraphs} paragraphs of 4+ words in the main content, "
          f"{len(lost)} missing from the extracted text ({100 * len(lost) / max(paragraphs, 1):.1f} %)")
    for where, text in lost[: args.examples]:
        print(f"  {where}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
