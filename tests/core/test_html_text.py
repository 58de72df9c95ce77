"""HTML mail rendered as text on real-world-shaped messages: invoices, newsletters, replies."""

from __future__ import annotations

from exante_tui.core.html_text import html_to_text, render_html

INVOICE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<style>td { padding: 4px } .brand { color: #c00 }</style>
<script>window.track && track("open")</script></head>
<body><!-- tracking pixel below -->
<p>Dear Maria,<br>please find your invoice below.</p>
<table border="0" cellpadding="0"><thead><tr><th>Invoice</th><th>Amount</th><th>Due</th></tr>
</thead><tbody><tr><td>INV-1</td><td>4,200.00&nbsp;EUR</td><td>2026-12-01</td></tr>
<tr><td>INV-2</td><td>1,180.00&nbsp;EUR</td><td>2026-12-15</td></tr></tbody></table>
<p>Pay online <a href="https://pay.northwind.example/inv/1">here</a> or write to
<a href="mailto:billing@northwind.example">billing</a>. Terms &amp; conditions:
<a href="https://pay.northwind.example/inv/1">same page</a>.</p>
<img src="https://t.example/pixel.gif" width="1" height="1"></body></html>"""

REPLY = """<div dir="ltr">Sounds good &mdash; see you then.<br><br>
<div class="gmail_quote">On Mon, Ken Sato &lt;ken@fabrikam.example&gt; wrote:<br>
<blockquote class="gmail_quote">Can we meet on Tuesday?<br>
<blockquote>Original question<br>second line</blockquote>Thanks</blockquote></div></div>"""


def test_table_cells_stay_apart_and_scripts_styles_comments_go() -> None:
    text = html_to_text(INVOICE)
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("INV-1"))
    assert row.split() == ["INV-1", "4,200.00", "EUR", "2026-12-01"]
    assert "INV-14,200.00" not in text
    header = next(line for line in lines if line.startswith("Invoice"))
    assert header.index("Amount") == row.index("4,200.00")
    for hidden in ("track", "padding", "tracking pixel", "#c00"):
        assert hidden not in text


def test_links_become_numbered_references_below_the_text() -> None:
    rendered = render_html(INVOICE)
    assert rendered.links == [
        "https://pay.northwind.example/inv/1",
        "mailto:billing@northwind.example",
    ]
    assert "here [1]" in rendered.text
    assert "billing [2]" in rendered.text
    assert "same page [1]" in rendered.text
    tail = rendered.text.rstrip().splitlines()[-2:]
    assert tail == [
        "[1] https://pay.northwind.example/inv/1",
        "[2] mailto:billing@northwind.example",
    ]


def test_breaks_entities_and_nested_quotes() -> None:
    text = html_to_text(REPLY)
    lines = text.splitlines()
    assert lines[0] == "Sounds good — see you then."
    assert "On Mon, Ken Sato <ken@fabrikam.example> wrote:" in lines
    assert "> Can we meet on Tuesday?" in lines
    assert "> > Original question" in lines
    assert "> > second line" in lines
    assert "> Thanks" in lines


def test_paragraphs_lists_and_broken_markup() -> None:
    assert html_to_text("<p>One</p><p>Two<br>Three</p>") == "One\n\nTwo\nThree\n"
    assert html_to_text("<p>Hi</p><ul><li>a</li><li>b</li></ul>") == "Hi\n\n  * a\n  * b\n"
    assert html_to_text("<p>unclosed <b>bold <i>both") == "unclosed bold both\n"
    assert html_to_text("") == ""
    assert html_to_text("<a href='javascript:alert(1)'>x</a>") == "x\n"
