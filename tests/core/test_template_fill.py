"""Filling the body being written from a rendered template."""

from __future__ import annotations

from exante_tui.core.signatures import signed_body, text_signature
from exante_tui.core.template_fill import fill_body, template_text
from exante_tui.core.templates import Rendered


def rendered(text: str | None, html: str | None = None) -> Rendered:
    return Rendered(subject="Invoice", body_text=text, body_html=html)


def test_the_template_goes_above_the_signature_and_the_quote() -> None:
    body = signed_body("> the quoted mail\n", "Ana")
    filled = fill_body(rendered("Dear Ken,\n\nHere it is.\n\n"), body)
    assert filled == f"Dear Ken,\n\nHere it is.\n\n{text_signature('Ana')}\n\n> the quoted mail\n"


def test_an_empty_body_takes_the_template_alone() -> None:
    assert fill_body(rendered("Hello"), "\n\n") == "Hello\n"


def test_a_template_without_signature_drops_the_composers_once() -> None:
    signature = text_signature("Ana")
    body = f"\n\n{signature}\n\nPS: {signature}\n"
    filled = fill_body(rendered("Hi"), body, drop_signature=signature)
    assert filled == f"Hi\n\nPS: {signature}\n"


def test_an_html_only_template_is_filled_as_text() -> None:
    html_only = rendered(None, "<p><strong>Ken</strong>, hello</p>")
    assert template_text(html_only) == "Ken, hello\n"
    assert fill_body(html_only, "PS") == "Ken, hello\n\nPS\n"
    assert template_text(rendered(None)) == ""
