"""HTML extraction keeps documentation sections that page-chrome rules would drop (real trafilatura)."""
from corpus.html import read_html

FILLER = "".join(f"<p>Tide tables list the times of high and low water at station {n} for every day of the year.</p>"
                 for n in range(6))
PAGE = f"""<html><head><title>Harbour guide</title></head><body>
<div id="share-buttons"><a href="https://x.example/share">Share on X</a> <a href="https://m.example">Mastodon</a></div>
<div role="main"><section id="harbour-guide"><h1>Harbour guide</h1>{FILLER}
<section id="how-do-i-share-a-mooring-with-another-boat">
<span id="faq-share"></span><h2>How do I share a mooring with another boat?<a class="headerlink" href="#x">¶</a></h2>
<p>Ask the harbour master for a rafting permit; two boats of under nine metres may lie together.</p>
</section>
<section id="related-harbours"><h2>2.1. Related harbours</h2>
<p>Boats too deep for the inner basin anchor in the outer roads, a mile to the east.</p>
</section>
<section id="menus"><h2>Menus</h2><p>The chart plotter's File menu opens a saved passage plan.</p></section>
<dl class="py function"><dt id="tides.isleap">tides.is_spring(day)</dt>
<dd><p>Returns <a class="reference internal" href="c.html#True"><code>True</code></a> if <em>day</em> has a spring tide,
otherwise <a class="reference internal" href="c.html#False"><code>False</code></a>.</p></dd></dl>
<div class="toctree-wrapper"><ul>
<li><a href="a.html#a.one"><code>one()</code></a></li><li><a href="a.html#a.two"><code>two()</code></a></li>
<li><a href="a.html#a.three"><code>three()</code></a></li><li><a href="a.html#a.four"><code>four()</code></a></li>
</ul></div>
<p class="rubric">Footnotes</p>
<aside class="footnote-list brackets"><aside class="footnote brackets" id="id5" role="note">
<span class="label">[<a role="doc-backlink" href="#id3">1</a>]</span>
<p>Spring tides come two days after a new or full moon in this harbour.</p></aside></aside>
</section></div>
<aside class="sidebar-ads"><p>Buy our premium tide clock today and save twenty percent on every order.</p></aside>
</body></html>""".encode()


def texts() -> list[str]:
    return [b.text for b in read_html(PAGE, "guide.html").blocks]


def test_a_section_whose_heading_says_share_related_or_menu_is_kept():
    found = " ".join(texts())
    assert "Ask the harbour master for a rafting permit" in found
    assert "anchor in the outer roads" in found  # id "related-harbours" for "2.1. Related harbours"
    assert "File menu opens a saved passage plan" in found


def test_page_chrome_with_such_ids_is_still_dropped():
    assert not any("Share on X" in t for t in texts())


def test_a_short_entry_whose_words_link_to_other_entries_is_kept():
    assert any("if day has a spring tide, otherwise False." in t for t in texts())


def test_a_list_of_links_to_other_entries_is_not_made_into_passages():
    assert not any(t.strip() in {"one()", "two()", "three()", "four()"} for t in texts())


def test_a_footnote_is_kept_and_a_sidebar_is_not():
    found = " ".join(texts())
    assert "Spring tides come two days after a new or full moon" in found
    assert "premium tide clock" not in found
