"""clean_page on small synthetic web-page dumps: one test per general rule."""
import pytest

from corpus.cleaning import classify_line, clean_page, collapse_whitespace

NEWS_PAGE = """\
Example Policy Institute
Home · Programs · Publications · Events · Contact
Home > News > Statements
Example Policy Institute

Ministers Agree on Water Sharing Plan

Geneva, 3 March 2023
By Jane Doe
[Print]

Background

The ministers of the river basin met for two days to settle a long
dispute over the use of the shared river. They agreed on a plan that
divides the summer flow by population.

The plan takes effect in 2024 and will be reviewed every five years.

Key points:

- Farmers receive a fixed share of the flow during the dry season.
- Cities must publish their water use every month, online.

Next steps

A joint commission will monitor the flow at three stations and report to the ministers each year.

[back to top]

Source: Example News Agency

Example Policy Institute
Back to top
This website is run by the Example Policy Institute in partnership with the River Council.
Please send comments to: webmaster@example.org
Page last updated 4 March 2023.

Copyright © 2023 Example Policy Institute. All rights reserved.
"""


def blocks(page):
    return [(b.kind, b.text) for b in page.blocks]


def paragraphs(page):
    return [b.text for b in page.blocks if b.kind == "paragraph"]


def test_news_page_title_metadata_and_blocks():
    page = clean_page(NEWS_PAGE, "news")
    assert page.title == "Ministers Agree on Water Sharing Plan"
    assert page.metadata == {
        "dateline": "Geneva, 3 March 2023",
        "date": "3 March 2023",
        "author": "Jane Doe",
        "source": "Example News Agency",
    }
    assert blocks(page) == [
        # The page's own dateline and byline stay searchable: they answer "when", "where", "who wrote it".
        ("paragraph", "Geneva, 3 March 2023"),
        ("paragraph", "By Jane Doe"),
        ("heading", "Background"),
        (
            "paragraph",
            "The ministers of the river basin met for two days to settle a long dispute over the use of the "
            "shared river. They agreed on a plan that divides the summer flow by population.",
        ),
        ("paragraph", "The plan takes effect in 2024 and will be reviewed every five years."),
        ("paragraph", "Farmers receive a fixed share of the flow during the dry season."),
        ("paragraph", "Cities must publish their water use every month, online."),
        ("heading", "Next steps"),
        ("paragraph", "A joint commission will monitor the flow at three stations and report to the ministers each year."),
    ]


def test_spans_point_at_the_source_text():
    page = clean_page(NEWS_PAGE, "news")
    for block in page.blocks:
        assert collapse_whitespace(NEWS_PAGE[block.start : block.end]) == block.text


@pytest.mark.parametrize(
    "line, kind",
    [
        ("Home | About | Research | Contact", "nav"),
        ("Summits\u00a0|\u00a0 Meetings\u00a0|\u00a0 Publications\u00a0|\u00a0 Search", "nav"),
        ("Home » Library » Reports", "nav"),
        ("Home > News", "nav"),
        ("• News • Events • Jobs •", "nav"),
        ("[back to top]", "to_top"),
        ("[pdf]", "link_label"),
        ("[Download the report](https://example.org/report.pdf)", "link_label"),
        ("Top of Page", "to_top"),
        ("^ Back to top ^", "to_top"),
        ("Source: Ministry of Examples", "source"),
        ("All contents copyright © 2021. Example University unless otherwise stated.", "copyright"),
        ("Copyright 2020 Example Corp", "copyright"),
        ("All rights reserved.", "copyright"),
        ("Please send comments to: info@example.org", "contact"),
        ("Questions? Write to help@example.org", "contact"),
        ("This page was last updated June 2, 2022.", "updated"),
        ("Last modified: 2022-06-02", "updated"),
        ("24/02/2017", "date"),
        ("Monday, June 3, 2019", "date"),
        ("2021-11-30", "date"),
        ("Posted on 12 May 2020", "date"),
        ("Naples, October 19, 2024", "dateline"),
        ("Washington, D.C., Oct. 5, 2021", "dateline"),
        ("By John Smith", "byline"),
        ("* * * * *", "rule"),
        ("## Results", "md_heading"),
        ("We measured the ratio a > b in every sample | and found it constant over time.", "text"),
        ("Support to Ukraine", "text"),
        ("The copyright office reviewed the claim in detail before deciding.", "text"),
        ("Sources of funding were varied.", "text"),
    ],
)
def test_classify_line(line, kind):
    assert classify_line(line) == kind


def test_site_name_lines_before_the_title_are_dropped():
    page = clean_page("Acme Research Network\nAcme University\n\nA Short Title\n\n"
                      "The first real paragraph begins here and ends here.\n")
    assert page.title == "A Short Title"
    assert paragraphs(page) == ["The first real paragraph begins here and ends here."]


def test_title_repeated_with_and_without_site_prefix():
    text = (
        "ACME Plan for Cleaner Rivers and Lakes\n\n"
        "Plan for Cleaner Rivers and Lakes\nPlan for Cleaner Rivers and Lakes\n\n"
        "The plan was adopted by all member states after a long debate.\n"
    )
    page = clean_page(text, "x")
    assert page.title == "ACME Plan for Cleaner Rivers and Lakes"
    assert blocks(page) == [("paragraph", "The plan was adopted by all member states after a long debate.")]


def test_copy_of_the_title_in_the_body_is_dropped():
    text = ("Annual Report\n\nThe year went well for every team in the group.\n\n"
            "Annual Report\n\nSales grew in every region we serve.\n")
    assert paragraphs(clean_page(text)) == [
        "The year went well for every team in the group.",
        "Sales grew in every region we serve.",
    ]


def test_title_falls_back_to_the_name_when_the_page_starts_with_prose():
    page = clean_page("This page starts right away with a full sentence of prose.\n", "notes")
    assert page.title == "notes"
    assert paragraphs(page) == ["This page starts right away with a full sentence of prose."]


def test_footer_zone_from_the_first_marker_is_dropped():
    text = (
        "Title Here\n\nA paragraph of real content that says something useful.\n\n"
        "Top of page\nThis service is provided by the Example Library at Example University.\n"
        "Site Map\n"
    )
    assert paragraphs(clean_page(text)) == ["A paragraph of real content that says something useful."]


def test_short_last_paragraph_survives_when_there_is_no_footer():
    text = (
        "Title Here\n\nThe first paragraph has two sentences. It is long enough to be prose.\n\n"
        "The meeting was attended by over one hundred experts.\n\n"
        "12/03/2019\n"
    )
    page = clean_page(text)
    assert paragraphs(page)[-1] == "The meeting was attended by over one hundred experts."
    assert page.metadata["date"] == "12/03/2019"


def test_content_before_a_trailing_copyright_line_is_kept():
    text = "Title Here\n\nFirst paragraph with enough words to be prose.\n\nLast short one here.\n\n© 2020 Example\n"
    assert paragraphs(clean_page(text)) == [
        "First paragraph with enough words to be prose.",
        "Last short one here.",
    ]


def test_lead_in_fragment_is_dropped_but_longer_colon_lines_are_kept():
    text = (
        "Title Here\n\nThe members agreed on several measures this week.\n\nWe:\n\n"
        "Note: the measures take effect next year.\n\nThe following countries:\n\nFrance and Spain.\n"
    )
    assert paragraphs(clean_page(text)) == [
        "The members agreed on several measures this week.",
        "Note: the measures take effect next year.",
        "The following countries:",
        "France and Spain.",
    ]


def test_heading_needs_following_content():
    text = (
        "Title Here\n\nIntroduction\n\nThe text of the introduction is a full sentence.\n\n"
        "Related\n\nSee also the other reports of the series\n"
    )
    assert blocks(clean_page(text)) == [
        ("heading", "Introduction"),
        ("paragraph", "The text of the introduction is a full sentence."),
        ("paragraph", "See also the other reports of the series"),
    ]


def test_short_line_with_sentence_punctuation_is_a_paragraph_not_a_heading():
    text = "Title Here\n\nFirst paragraph with enough words to be prose.\n\nWe agree.\n\nAnother full paragraph follows here.\n"
    assert ("paragraph", "We agree.") in blocks(clean_page(text))


def test_heading_on_the_line_above_its_paragraph():
    text = (
        "Title Here\n\nAn opening paragraph that is long enough to count.\n\n"
        "Funding\nThe programme is funded by the member states through yearly contributions.\n"
    )
    assert blocks(clean_page(text))[1:] == [
        ("heading", "Funding"),
        ("paragraph", "The programme is funded by the member states through yearly contributions."),
    ]


def test_markdown_headings():
    text = "# Field Guide\n\nIntro text that is a proper sentence here.\n\n## Birds ##\n\nRobins sing at dawn.\n\n## Empty\n"
    page = clean_page(text, "guide")
    assert page.title == "Field Guide"
    assert blocks(page) == [
        ("paragraph", "Intro text that is a proper sentence here."),
        ("heading", "Birds"),
        ("paragraph", "Robins sing at dawn."),
    ]
    birds = page.blocks[1]
    assert text[birds.start : birds.end] == "Birds"


def test_chrome_line_inside_a_block_splits_it():
    text = "Title Here\n\nThe first paragraph is a whole sentence.\n[Print]\nThe second one is another sentence.\n"
    assert paragraphs(clean_page(text)) == [
        "The first paragraph is a whole sentence.",
        "The second one is another sentence.",
    ]


def test_whitespace_is_collapsed_and_spans_cover_wrapped_lines():
    text = "Title Here\n\n   Wrapped   paragraph with\n\tirregular    spacing across lines.  \n"
    (block,) = clean_page(text).blocks
    assert block.text == "Wrapped paragraph with irregular spacing across lines."
    assert text[block.start : block.end] == "Wrapped   paragraph with\n\tirregular    spacing across lines."


def test_empty_page():
    page = clean_page("\n\n  \n", "empty")
    assert page.title == "empty"
    assert page.blocks == ()


def test_back_to_top_between_sections_is_not_a_footer():
    text = (
        "Report Title\n\nPart One\n\nThis is wrapped text of the first part. It has\n"
        "several sentences. They continue on lines.\n\n[back to top]\n\n"
        "Part Two\n\nShort one here.\n\n[back to top]\n\nMore Links Of This Site\n\nCopyright 2020 Foo\n"
    )
    assert blocks(clean_page(text)) == [
        ("heading", "Part One"),
        ("paragraph", "This is wrapped text of the first part. It has several sentences. They continue on lines."),
        ("heading", "Part Two"),
        ("paragraph", "Short one here."),
    ]


def test_site_name_just_above_the_footer_is_dropped():
    text = (
        "Title Here\n\nThe only paragraph of the page is a sentence.\n\n"
        "Source: Example Wire\n\nExample Information Centre Online\n\nTop of Page\n"
        "This site is maintained by the Example Library.\n"
    )
    page = clean_page(text)
    assert paragraphs(page) == ["The only paragraph of the page is a sentence."]
    assert page.metadata["source"] == "Example Wire"


def test_a_section_after_the_last_back_to_top_is_content_not_footer():
    text = ("Title Here\n\nFirst paragraph with enough words to be prose.\n\n[back to top]\n\n"
            "Second Section\n\nThe second section has its own sentence of prose.\n")
    page = clean_page(text)
    assert paragraphs(page)[-1] == "The second section has its own sentence of prose."
    assert [b.text for b in page.blocks if b.kind == "heading"][-1] == "Second Section"


def test_wrapped_continuation_lines_are_never_chrome():
    text = "Title Here\n\nThe court held that the\ncopyright of the photograph belongs to its author.\n"
    assert paragraphs(clean_page(text)) == ["The court held that the copyright of the photograph belongs to its author."]


GUIDE_MD = """\
# Field guide

## Environments

Create one with the venv module and a target folder:

```sh
python3 -m venv /srv/env

source /srv/env/bin/activate
```

List comprehensions have the form:

    [expr for x in seq]
    ---

That is all there is to say about them here.
"""


def test_code_blocks_are_paragraphs_not_headings_or_chrome():
    page = clean_page(GUIDE_MD, "guide", markdown=True)
    blocks = [(b.kind, b.text) for b in page.blocks]
    assert blocks == [
        ("heading", "Environments"),
        ("paragraph", "Create one with the venv module and a target folder:"),
        ("paragraph", "python3 -m venv /srv/env source /srv/env/bin/activate"),
        ("paragraph", "List comprehensions have the form:"),
        ("paragraph", "[expr for x in seq] ---"),
        ("paragraph", "That is all there is to say about them here."),
    ]
    for block in page.blocks:
        assert collapse_whitespace(GUIDE_MD[block.start : block.end]) == block.text


def test_a_short_line_after_a_colon_is_what_it_introduces():
    text = "Notes\n\nThe gauge is reset with this command:\n\nreset-gauge now\n\nIt takes a minute to settle again.\n"
    assert [(b.kind, b.text) for b in clean_page(text, "notes").blocks] == [
        ("paragraph", "The gauge is reset with this command:"),
        ("paragraph", "reset-gauge now"),
        ("paragraph", "It takes a minute to settle again."),
    ]


def test_in_plain_text_an_indented_first_line_starts_a_paragraph():
    text = "Notes\n\n    The gauge at the old bridge was read\nevery hour by the keeper.\n"
    assert [b.text for b in clean_page(text, "notes").blocks] == [
        "The gauge at the old bridge was read every hour by the keeper."
    ]


def test_in_plain_text_a_tilde_line_is_a_rule_not_a_fence():
    text = ("Notes\n\nThe gauge at the old bridge was read every hour.\n\n~~~~~~~~\n\n"
            "Levels\n\nThe river rose by a metre in March.\n")
    blocks = [(b.kind, b.text) for b in clean_page(text, "notes").blocks]
    assert ("heading", "Levels") in blocks
    assert ("paragraph", "The river rose by a metre in March.") in blocks
