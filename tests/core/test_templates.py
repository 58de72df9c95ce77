"""Template rendering: values, filters, and every way it can fail (named, never a traceback)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from exante_tui.core.templates import nest, render, used_fields
from exante_tui.errors import ErrorDetail, ValidationFailed

INVOICE = {
    "customer": {"name": "Contoso"},
    "invoice": {"number": "INV-7", "amount": "1234.5", "due_date": "2026-12-15"},
}


def failure(fields: dict[str, str | None], context: dict[str, object]) -> list[ErrorDetail]:
    with pytest.raises(ValidationFailed) as caught:
        render(fields, context)
    assert caught.value.code == "validation_error"
    return caught.value.details


def test_fields_and_filters_render() -> None:
    rendered = render(
        {
            "subject": "Invoice {{ invoice.number }} for {{ customer.name }}",
            "body_text": "Due {{ invoice.due_date | date('%d %B %Y') }}: "
            "{{ invoice.amount | money('eur') }}",
        },
        INVOICE,
    )
    assert rendered.subject == "Invoice INV-7 for Contoso"
    assert rendered.body_text == "Due 15 December 2026: 1,234.50 EUR"
    assert rendered.body_html is None


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (1234.5, "USD", "1,234.50 USD"),
        (Decimal("-0.5"), "GBP", "-0.50 GBP"),
        ("1,000", "JPY", "1,000 JPY"),
        (12, "KWD", "12.000 KWD"),
    ],
)
def test_money_uses_the_currency_decimals(value: object, currency: str, shown: str) -> None:
    assert render({"subject": "{{ v | money(c) }}"}, {"v": value, "c": currency}).subject == shown


def test_date_accepts_dates_datetimes_and_iso_text() -> None:
    fields = {"subject": "{{ a | date('%d.%m.%Y') }} {{ b | date }} {{ c | date('%H:%M') }}"}
    context = {"a": date(2026, 1, 2), "b": "2026-03-04", "c": "2026-03-04T10:30:00Z"}
    assert render(fields, context).subject == "02.01.2026 2026-03-04 10:30"


def test_missing_value_is_named_by_its_path_and_line() -> None:
    details = failure(
        {
            "subject": "Invoice {{ invoice.number }}",
            "body_text": "Hi\n\nDue {{ invoice.due_date }}",
        },
        {"invoice": {"number": "INV-7"}},
    )
    assert details == [
        ErrorDetail(
            "context.invoice.due_date", "is missing from the context (template.body_text line 3)"
        )
    ]


def test_missing_top_level_value_and_loop_item_are_named() -> None:
    details = failure(
        {"subject": "{{ customer }}", "body_text": "{% for i in items %}{{ i.price }}{% endfor %}"},
        {"items": [{"price": 1}, {}]},
    )
    assert [d.field for d in details] == ["context.customer", "context.items[1].price"]


def test_missing_value_given_to_a_filter_is_named() -> None:
    details = failure({"subject": "{{ a.b | money(c) }} {{ d | date }}"}, {"a": {}, "c": "EUR"})
    assert [d.field for d in details] == ["context.a.b"]
    details = failure({"subject": "{{ 1 | money(cur) }}"}, {})
    assert [d.field for d in details] == ["context.cur"]


def test_every_failing_field_is_reported_at_once() -> None:
    details = failure({"subject": "{{ a }}", "body_text": "{{ b }}", "body_html": "{{ c }}"}, {})
    assert [d.field for d in details] == ["context.a", "context.b", "context.c"]


@pytest.mark.parametrize(
    ("source", "context", "message"),
    [
        ("{{ v | money('EUR') }}", {"v": "twelve"}, "money: 'twelve' is not a number"),
        ("{{ v | money('EURO') }}", {"v": 1}, "money: 'EURO' is not a three-letter currency code"),
        ("{{ v | money('EUR') }}", {"v": [1]}, "money: [1] is not a number"),
        ("{{ v | date }}", {"v": "next week"}, "date: 'next week' is not an ISO 8601 date"),
        ("{{ v | date }}", {"v": 5}, "date: 5 is not a date"),
    ],
)
def test_bad_filter_input_names_the_template_line(
    source: str, context: dict[str, object], message: str
) -> None:
    [detail] = failure({"subject": "ok", "body_text": f"line one\n{source}"}, context)
    assert detail == ErrorDetail("template.body_text line 2", message)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__['os'] }}",
        "{{ self.__init__.__globals__ }}",
        "{% set f = ''.__class__ %}{{ f }}",
        "{{ ''|attr('__class__') }}",
        "{{ range.__call__ }}",
    ],
)
def test_sandbox_escapes_are_refused(source: str) -> None:
    [detail] = failure({"subject": "x", "body_text": source}, {})
    assert detail.field == "template.body_text line 1"
    assert detail.message.startswith("not allowed in a template: access to attribute")
    assert detail.message.endswith("is unsafe.")


def test_sandbox_names_the_unsafe_attribute() -> None:
    [detail] = failure({"subject": "x", "body_text": "{{ ''.__class__.__mro__ }}"}, {})
    assert detail.field == "template.body_text line 1"
    assert "access to attribute '__class__' of 'str' object is unsafe" in detail.message


def test_syntax_error_names_the_field_and_line() -> None:
    [detail] = failure({"subject": "ok", "body_html": "<p>\n{% if x %}\n</p>"}, {"x": 1})
    assert detail.field == "template.body_html line 2"  # the unclosed block
    assert "endif" in detail.message


def test_html_bodies_escape_context_values_text_bodies_do_not() -> None:
    hostile = {"name": '<script>alert("x")</script> & co'}
    rendered = render(
        {"subject": "For {{ name }}", "body_text": "{{ name }}", "body_html": "<p>{{ name }}</p>"},
        hostile,
    )
    assert rendered.body_html == "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</p>"
    assert rendered.body_text == hostile["name"]
    assert rendered.subject == f"For {hostile['name']}"


def test_markdown_body_becomes_html_without_raw_markup() -> None:
    rendered = render(
        {"subject": "x", "body_markdown": "Dear **{{ name }}**"}, {"name": "<img src=x>"}
    )
    assert rendered.body_text == "Dear **<img src=x>**"
    assert rendered.body_html == "<p>Dear <strong>&lt;img src=x&gt;</strong></p>\n"


def test_context_keys_win_over_dict_methods() -> None:
    fields = {"subject": "{{ invoice.items }} {{ invoice.keys }}"}
    assert render(fields, {"invoice": {"items": 3, "keys": "k"}}).subject == "3 k"


def test_optional_values_can_be_tested_for() -> None:
    fields = {"subject": "Invoice{% if po is defined %} (PO {{ po }}){% endif %}"}
    assert render(fields, {}).subject == "Invoice"
    assert render(fields, {"po": 7}).subject == "Invoice (PO 7)"


def test_used_fields_lists_context_paths_only() -> None:
    fields = {
        "subject": "Invoice {{ invoice.number }}",
        "body_text": "{{ customer.name }}{% for i in lines %}{{ i.price }}{% endfor %}"
        "{% set total = 3 %}{{ total }} {{ invoice['due_date'] | date }}",
    }
    assert used_fields(fields) == [
        "customer.name",
        "invoice.due_date",
        "invoice.number",
        "lines",
    ]


def test_nest_builds_the_context_from_dotted_names() -> None:
    assert nest({"invoice.number": "7", "invoice.due": "x", "name": "n"}) == {
        "invoice": {"number": "7", "due": "x"},
        "name": "n",
    }
