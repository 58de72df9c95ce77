"""Received HTML mail as readable plain text, through ``inscriptis`` (lxml underneath).

Tables keep their cells apart as columns, links keep their targets as numbered references
below the text (``here [1]`` … ``[1] https://…``), blockquotes are marked with ``> `` per
nesting level, and scripts, styles and comments are dropped. The same rendering serves the
thread view, ``conversations show``, search bodies and the text part of HTML sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inscriptis import get_annotated_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from lxml import etree
from lxml import html as lxml_html

from exante_tui.store.models import EmailMessage

_LINK_SCHEMES = ("http://", "https://", "mailto:", "ftp://")
_CONFIG = ParserConfig(
    css=CSS_PROFILES["strict"].copy(), annotation_rules={"blockquote": ["quote"]}
)
_BLANK_RUNS = re.compile(r"\n{3,}")
_TEXT_URL = re.compile(r"(?:https?://|mailto:)[^\s<>\"')\]]+")


@dataclass(frozen=True)
class RenderedHtml:
    """The text, and the link targets its ``[n]`` markers refer to (``links[n - 1]``)."""

    text: str
    links: list[str]


def render_html(markup: str) -> RenderedHtml:
    """Render ``markup``; never raises on broken HTML (an unparsable document is empty)."""
    try:
        root = lxml_html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return RenderedHtml("", [])
    for dropped in root.xpath("//script|//style|//head|//comment()"):
        dropped.drop_tree()
    links = _number_links(root)
    annotated = get_annotated_text(etree.tostring(root, encoding="unicode"), _CONFIG)
    text = _mark_quotes(annotated["text"], annotated["label"])
    lines = [line.rstrip() for line in text.splitlines()]
    body = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
    if links:
        body += "\n\n" + "\n".join(f"[{n}] {url}" for n, url in enumerate(links, 1))
    return RenderedHtml(body + "\n" if body else "", links)


def html_to_text(markup: str) -> str:
    """Just the text of :func:`render_html`."""
    return render_html(markup).text


def readable_body(message: EmailMessage) -> str:
    """The message's text part, or its HTML rendered when it has no text."""
    if message.body_text.strip():
        return message.body_text
    return html_to_text(message.body_html) if message.body_html else ""


def message_links(message: EmailMessage) -> list[str]:
    """The links of a message: its HTML's link targets, else the URLs in its text."""
    if message.body_html:
        return render_html(message.body_html).links
    return list(dict.fromkeys(url.rstrip(".,;:") for url in _TEXT_URL.findall(message.body_text)))


def _number_links(root: lxml_html.HtmlElement) -> list[str]:
    """Put ``[n]`` after each link's text; the targets, in order, without repeats."""
    links: list[str] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href.lower().startswith(_LINK_SCHEMES):
            continue
        if href not in links:
            links.append(href)
        marker = f" [{links.index(href) + 1}]"
        anchor.tail = marker + (anchor.tail or "")
    return links


def _mark_quotes(text: str, labels: list[tuple[int, int, str]]) -> str:
    """``> `` before each line once per blockquote that covers it."""
    spans = [(start, end) for start, end, label in labels if label == "quote"]
    if not spans:
        return text
    out: list[str] = []
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        depth = sum(1 for s, e in spans if s < end and start < e) if line.strip() else 0
        out.append("> " * depth + line.strip() if depth else line)
        position = end + 1
    return "\n".join(out)
