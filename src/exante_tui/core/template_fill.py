"""Filling a message being written from a template: the rendered text goes above the body."""

from __future__ import annotations

from exante_tui.core.html_text import html_to_text
from exante_tui.core.templates import Rendered


def template_text(rendered: Rendered) -> str:
    """A rendered template's text body, made from its HTML when it has none."""
    if rendered.body_text is not None:
        return rendered.body_text
    return html_to_text(rendered.body_html or "")


def fill_body(rendered: Rendered, body: str, *, drop_signature: str | None = None) -> str:
    """``body`` with the rendered template's text put above what it holds (a signature, a
    quote), one blank line between, ending with a newline.

    ``drop_signature`` (a signature block) is first taken out of ``body``, once: a template
    that says "no signature" takes the one the composer put in away.
    """
    rest = body.replace(drop_signature, "", 1) if drop_signature else body
    rest = rest.strip("\n")
    return template_text(rendered).rstrip("\n") + (f"\n\n{rest}\n" if rest else "\n")
