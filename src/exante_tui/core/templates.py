"""Rendering templates: Jinja2 in a sandbox, strict about missing values, HTML escaped.

Every failure is a ``ValidationFailed`` whose details name what to fix: the missing value
as a path into the context (``context.invoice.due_date``), or the template field and line
for a syntax error, a filter given the wrong kind of value, or a sandbox violation
(``{{ ''.__class__ }}``).

Context data is data: ``invoice.items`` is the ``items`` key of ``invoice``, never the
dict method of that name.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2 import (
    StrictUndefined,
    TemplateError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
    nodes,
)
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import missing
from markdown_it import MarkdownIt

from exante_tui.errors import ErrorDetail, ValidationFailed

TEXT_FIELDS = ("subject", "body_text", "body_markdown")
"""Fields rendered as plain text (no escaping)."""
HTML_FIELDS = ("body_html",)
"""Fields rendered with HTML autoescaping of every value."""

_ZERO_DECIMALS = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"}
_ZERO_DECIMALS |= {"VND", "VUV", "XAF", "XOF", "XPF"}
_THREE_DECIMALS = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
"""Markdown bodies become HTML with raw HTML escaped, so values cannot inject markup."""


class FilterInputError(ValueError):
    """A filter was given a value it cannot format."""


class _MissingValue(UndefinedError):
    """A value the template uses is not in the context; ``path`` names it."""

    def __init__(self, path: str, message: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class _ContextDict(dict[str, Any]):
    """A mapping of the context that knows its path, for naming missing values."""

    path: str


class _ContextList(list[Any]):
    """A list of the context that knows its path."""

    path: str


def _wrap(value: Any, path: str) -> Any:
    """``value`` with every mapping and list inside it tagged with its path."""
    if isinstance(value, Mapping):
        wrapped = _ContextDict({str(k): _wrap(v, f"{path}.{k}") for k, v in value.items()})
        wrapped.path = path
        return wrapped
    if isinstance(value, list | tuple):
        items = _ContextList(_wrap(v, f"{path}[{i}]") for i, v in enumerate(value))
        items.path = path
        return items
    return value


class _PathUndefined(StrictUndefined):
    """StrictUndefined whose error names the missing value's path in the context."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[TemplateRuntimeError] = UndefinedError,
    ) -> None:
        super().__init__(hint, obj, name, exc)
        if hint is None and exc is UndefinedError and name is not None:
            parent = getattr(obj, "path", None)
            if parent is not None:
                path = f"{parent}.{name}" if isinstance(name, str) else f"{parent}[{name}]"
            elif obj is missing:
                path = f"context.{name}"
            else:
                return
            # Jinja raises ``self._undefined_exception(message)``: any such callable works,
            # though Jinja annotates the slot as an exception class.
            self._undefined_exception = functools.partial(_MissingValue, path)  # type: ignore[assignment]


class _Environment(SandboxedEnvironment):
    """The sandbox, reading context mappings by key before attribute."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, _ContextDict):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def _defined(*values: Any) -> None:
    """Raise the missing-value error of the first undefined value a filter was given."""
    for value in values:
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()


def money(value: Any, currency: str) -> str:
    """``1234.5 | money("EUR")`` is ``1,234.50 EUR`` (the currency's usual decimals)."""
    _defined(value, currency)
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise FilterInputError(f"money: {currency!r} is not a three-letter currency code")
    code = currency.upper()
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise FilterInputError(f"money: {value!r} is not a number")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise FilterInputError(f"money: {value!r} is not a number") from None
    if not amount.is_finite():
        raise FilterInputError(f"money: {value!r} is not a number")
    places = 0 if code in _ZERO_DECIMALS else 3 if code in _THREE_DECIMALS else 2
    return f"{amount:,.{places}f} {code}"


def format_date(value: Any, format: str = "%Y-%m-%d") -> str:
    """``"2026-12-01" | date("%d %B %Y")``: a date, datetime or ISO 8601 text, formatted."""
    _defined(value, format)
    if not isinstance(format, str):
        raise FilterInputError(f"date: the format {format!r} is not text")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text) if "T" in text or " " in text else None
            value = value or date.fromisoformat(text)
        except ValueError:
            raise FilterInputError(f"date: {text!r} is not an ISO 8601 date") from None
    if not isinstance(value, date):
        raise FilterInputError(f"date: {value!r} is not a date")
    return value.strftime(format)


def _environment(*, autoescape: bool) -> _Environment:
    env = _Environment(undefined=_PathUndefined, autoescape=autoescape, keep_trailing_newline=True)
    env.filters["money"] = money
    env.filters["date"] = format_date
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


@dataclass(frozen=True)
class Rendered:
    """A rendered template: subject and bodies (Markdown already turned into HTML)."""

    subject: str
    body_text: str | None
    body_html: str | None


def _template_line(tb: types.TracebackType | None) -> int | None:
    """The line of the template source where rendering failed (Jinja2 rewrites frames)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _where(field: str, line: int | None) -> str:
    return f"template.{field}" + (f" line {line}" if line else "")


def _render_one(field: str, source: str, context: dict[str, Any]) -> str | ErrorDetail:
    """The rendered field, or what went wrong and where."""
    env = _HTML if field in HTML_FIELDS else _TEXT
    try:
        return env.from_string(source).render(context)
    except TemplateSyntaxError as exc:
        return ErrorDetail(_where(field, exc.lineno), exc.message or "syntax error")
    except _MissingValue as exc:
        line = _template_line(exc.__traceback__)
        message = "is missing from the context" + (f" ({_where(field, line)})" if line else "")
        return ErrorDetail(exc.path, message)
    except SecurityError as exc:
        where = _where(field, _template_line(exc.__traceback__))
        return ErrorDetail(where, f"not allowed in a template: {exc}")
    except FilterInputError as exc:
        return ErrorDetail(_where(field, _template_line(exc.__traceback__)), str(exc))
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        where = _where(field, _template_line(exc.__traceback__))
        return ErrorDetail(where, f"cannot render: {exc}")


def render(fields: Mapping[str, str | None], context: Mapping[str, Any]) -> Rendered:
    """Render ``subject``, ``body_text``, ``body_html`` and ``body_markdown`` with ``context``.

    Raises ``ValidationFailed`` listing every field that failed.
    """
    data = _wrap(context, "context")
    results: dict[str, str | None] = {}
    details: list[ErrorDetail] = []
    for field in (*TEXT_FIELDS, *HTML_FIELDS):
        source = fields.get(field)
        if source is None:
            results[field] = None
            continue
        result = _render_one(field, source, data)
        if isinstance(result, ErrorDetail):
            details.append(result)
        else:
            results[field] = result
    if details:
        raise ValidationFailed("The template cannot be rendered with this context.", details)
    html, markdown = results["body_html"], results["body_markdown"]
    text = results["body_text"]
    if markdown is not None:
        html = html if html is not None else _MARKDOWN.render(markdown)
        text = text if text is not None else markdown
    return Rendered(subject=(results["subject"] or "").strip(), body_text=text, body_html=html)


def check_syntax(fields: Mapping[str, str | None]) -> list[ErrorDetail]:
    """Syntax errors of each template field, named by field and line."""
    details = []
    for field in (*TEXT_FIELDS, *HTML_FIELDS):
        source = fields.get(field)
        if source is None:
            continue
        try:
            _TEXT.parse(source)
        except TemplateSyntaxError as exc:
            details.append(ErrorDetail(_where(field, exc.lineno), exc.message or "syntax error"))
    return details


def used_fields(fields: Mapping[str, str | None]) -> list[str]:
    """The context values the template uses, as dotted paths (``invoice.due_date``).

    Loop variables and names the template sets itself are not context values.
    """
    found: dict[str, None] = {}
    for field in (*TEXT_FIELDS, *HTML_FIELDS):
        source = fields.get(field)
        if source is None:
            continue
        try:
            tree = _TEXT.parse(source)
        except TemplateSyntaxError:
            continue
        roots = find_undeclared_variables(tree)
        for path in _paths(tree, roots):
            found.setdefault(path, None)
    return _leaves(list(found))


def _paths(tree: nodes.Node, roots: set[str]) -> Iterator[str]:
    """Dotted paths of attribute chains (``a.b.c``, ``a["b"]``) rooted at ``roots``."""
    inner: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in inner:
            continue
        chain: list[str] = []
        current: nodes.Node = node
        while isinstance(current, nodes.Getattr | nodes.Getitem):
            inner.add(id(current.node))
            if isinstance(current, nodes.Getattr):
                chain.append(current.attr)
            elif isinstance(current.arg, nodes.Const) and isinstance(current.arg.value, str):
                chain.append(current.arg.value)
            else:
                chain.clear()
            current = current.node
        if isinstance(current, nodes.Name) and current.name in roots:
            yield ".".join([current.name, *reversed(chain)])
    for name in tree.find_all(nodes.Name):
        if name.name in roots and name.ctx == "load":
            yield name.name


def _leaves(paths: list[str]) -> list[str]:
    """Paths without those that are a prefix of another (``invoice`` when ``invoice.id``)."""
    return sorted(p for p in paths if not any(o.startswith(p + ".") for o in paths))


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"invoice.number": 1}`` as ``{"invoice": {"number": 1}}`` (form fields, CSV columns)."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        target = nested
        for part in parts[:-1]:
            child = target.get(part)
            if not isinstance(child, dict):
                child = target[part] = {}
            target = child
        target[parts[-1]] = value
    return nested
