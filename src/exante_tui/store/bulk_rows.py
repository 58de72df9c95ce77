"""New rows as plain dictionaries, for ORM bulk inserts (``session.execute(insert(Model), rows)``).

Building and flushing an ORM object per row costs several times what the INSERT does; a
dictionary with every column, defaults filled in as the model would, goes straight in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, cast

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel


def new_row(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """Every column of a new ``model`` row: ``values``, else the model's defaults."""
    row = {name: make() for name, make in _defaults(model).items() if name not in values}
    row.update(values)
    return row


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Callable[[], Any]]:
    """Field name → a callable giving its default, for every field of ``model``."""
    defaults: dict[str, Callable[[], Any]] = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            # No table's factory takes the validated data, so each is called bare.
            defaults[name] = cast(Callable[[], Any], info.default_factory)
        elif info.default is not PydanticUndefined:
            defaults[name] = _constant(info.default)
    return defaults


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value
