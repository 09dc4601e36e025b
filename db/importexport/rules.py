"""The rules of a kind's ``*Create`` model, read from the model, as checks of single
values: what the column-wise route of the import validator runs.

Validating a row through the model costs ~15 us (an instance, a ``before`` validator
called in Python for every field, SQLModel's own init); at 100,000 rows that is most
of an import.  ``Rules`` holds, per field, a check built from the model's own field
(type, ``min_length``/``max_length``, ``ge``/``gt``/``le``/``lt``, optional or
required, the NUL refusal, text trimming and blank-to-None rule of ``db.models._Input``) followed
by the model's own ``after`` field validators (each answer remembered per distinct
value), and, per row, the model's own ``after`` model validators (partnership dates
in order, residual likelihood and impact together).

It only ever *accepts* what the model accepts, with the very values the model gives
(``tests/importexport/test_validate_equal.py`` proves it with hypothesis for every
kind); anything else is ``Rejected`` and the caller validates that row with the
model, which words the error.  A model with a validator this module does not know
how to run (a ``before``/``wrap`` validator, one that wants ``info``) gets no
column-wise route at all: ``Rules.build`` returns ``None``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic_core import PydanticUndefined

# The ``before`` validator every input model shares (``db.models._Input``); its rule
# (strip text; blank text on an optional field becomes None) is built in below.
SHARED_BEFORE = "_blank_optional_text"

_MISSING = object()


class Rejected(Exception):
    """The value needs the model's own judgement."""


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
        return annotation, True
    return annotation, False


def _memo(validators: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """The field's ``after`` validators in order, answered once per distinct value."""
    answers: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        try:
            found = answers.get(value, _MISSING)
        except TypeError:  # unhashable: no memory
            found = _MISSING
        if found is _MISSING:
            result: Any = value
            try:
                for validate in validators:
                    result = validate(result)
            except (ValueError, AssertionError):
                result = Rejected
            try:
                answers[value] = result
            except TypeError:
                pass
            found = result
        if found is Rejected:
            raise Rejected
        return found

    return run


def _checker(annotation: Any, metadata: list[Any], required: bool) -> Callable[[Any], Any] | None:
    """value -> the model's value for it (or Rejected); None when the type is not handled."""
    base, optional = _unwrap(annotation)
    low: Any = None
    high: Any = None
    low_open = high_open = False
    min_len, max_len = 0, None
    for item in metadata:
        if isinstance(item, Ge):
            low = item.ge
        elif isinstance(item, Gt):
            low, low_open = item.gt, True
        elif isinstance(item, Le):
            high = item.le
        elif isinstance(item, Lt):
            high, high_open = item.lt, True
        elif isinstance(item, MinLen):
            min_len = item.min_length
        elif isinstance(item, MaxLen):
            max_len = item.max_length
        elif type(item).__module__.startswith(("annotated_types", "pydantic")):
            return None  # a constraint not read here (multiple_of, pattern, ...)

    def in_range(number: Any) -> bool:
        if low is not None and (number <= low if low_open else number < low):
            return False
        return not (high is not None and (number >= high if high_open else number > high))

    if base is str:
        blank_ok = optional and not required

        def text(value: Any) -> Any:
            if value.__class__ is not str or "\x00" in value:
                raise Rejected
            value = value.strip()
            if not value:
                if blank_ok:
                    return None
                raise Rejected
            if not value.isascii():
                try:
                    value.encode("utf-8")  # pydantic refuses lone surrogates
                except UnicodeEncodeError:
                    raise Rejected from None
            if len(value) < min_len or (max_len is not None and len(value) > max_len):
                raise Rejected
            return value

        def texts(values: list[str]) -> list[str] | None:
            """A whole column of plain text cells at once (None: check cell by cell)."""
            stripped = list(map(str.strip, values))
            if not stripped:
                return stripped
            if "" in stripped or not all(map(str.isascii, stripped)):
                return None
            if "\x00" in "\x01".join(stripped):
                return None
            if min(map(len, stripped)) < min_len or (
                max_len is not None and max(map(len, stripped)) > max_len
            ):
                return None
            return stripped

        text.bulk = texts  # type: ignore[attr-defined]
        return text
    if isinstance(base, type) and issubclass(base, Enum):
        members: dict[Any, Any] = {m.value: m for m in base}
        choice_blank_ok = optional and not required

        def choice(value: Any) -> Any:
            if value.__class__ is not str:
                raise Rejected
            found = members.get(value)
            if found is None:
                trimmed = value.strip()  # as the shared validator trims it
                if not trimmed and choice_blank_ok and "\x00" not in value:
                    return None  # the shared validator's blank-to-None, for any optional field
                found = members.get(trimmed)
                if found is None:
                    raise Rejected
            return found

        return choice
    if base is int:
        if min_len or max_len is not None:
            return None

        def whole(value: Any) -> Any:
            if value.__class__ is not int or not in_range(value):
                raise Rejected
            return value

        def wholes(values: list[int]) -> list[int] | None:
            """A whole column of ints at once (None: check cell by cell)."""
            if values and not (in_range(min(values)) and in_range(max(values))):
                return None
            return values

        whole.bulk = wholes  # type: ignore[attr-defined]
        return whole
    if base is float:

        def number(value: Any) -> Any:
            if value.__class__ is not float or not in_range(value):
                raise Rejected
            return value

        return number
    if base is dt.date:

        def day(value: Any) -> Any:
            if value.__class__ is not dt.date:
                raise Rejected
            return value

        return day
    if (
        typing.get_origin(base) is list
        and typing.get_args(base) == (int,)
        and low is None
        and high is None
    ):
        # A list of ids; its length may be bounded (an action names at least one risk).

        def ids(value: Any) -> Any:
            if value.__class__ is not list or any(v.__class__ is not int for v in value):
                raise Rejected
            if len(value) < min_len or (max_len is not None and len(value) > max_len):
                raise Rejected
            return list(value)

        return ids
    return None


def metadata_bounds(metadata: list[Any]) -> bool:
    return any(isinstance(m, (Ge, Gt, Le, Lt, MinLen, MaxLen)) for m in metadata)


class Rules:
    """The rules of ``model`` (a ``*Create`` model) as value checks (see the module doc)."""

    def __init__(
        self,
        model: Any,
        checks: dict[str, Callable[[Any], Any]],
        defaults: dict[str, Any],
        factories: dict[str, Callable[[], Any]],
        row_checks: list[Callable[[Any], Any]],
    ):
        self.model = model
        self._checks = checks
        self._defaults = defaults
        self._factories = factories
        self._row_checks = row_checks
        self._order = list(model.model_fields)
        self._size = len(self._order)

    @classmethod
    def build(cls, model: Any) -> Rules | None:
        decorators = model.__pydantic_decorators__
        if decorators.root_validators or decorators.validators:
            return None
        row_checks: list[Callable[[Any], Any]] = []
        for dec in decorators.model_validators.values():
            if dec.info.mode != "after" or not _one_argument(dec.func):
                return None
            row_checks.append(dec.func)
        after: dict[str, list[Callable[[Any], Any]]] = {}
        for name, dec in decorators.field_validators.items():
            if name == SHARED_BEFORE and dec.info.mode == "before" and dec.info.fields == ("*",):
                continue
            if dec.info.mode != "after" or "*" in dec.info.fields or not _one_argument(dec.func):
                return None
            for field_name in dec.info.fields:
                after.setdefault(field_name, []).append(dec.func)
        if SHARED_BEFORE not in decorators.field_validators:
            return None  # the text rule below is that validator's
        config = model.model_config
        if (
            not config.get("str_strip_whitespace")
            or config.get("strict")
            or config.get("extra") == "forbid"
        ):
            return None
        checks: dict[str, Callable[[Any], Any]] = {}
        defaults: dict[str, Any] = {}
        factories: dict[str, Callable[[], Any]] = {}
        for name, info in model.model_fields.items():
            check = _checker(info.annotation, list(info.metadata), info.is_required())
            if check is None:
                return None
            if _unwrap(info.annotation)[1]:
                check = _none_or(check)
            if name in after:
                check = _then(check, _memo(after.pop(name)))
            checks[name] = check
            if info.default_factory is not None:
                factories[name] = info.default_factory  # type: ignore[assignment]
            elif info.default is not PydanticUndefined:
                defaults[name] = info.default
        if after:
            return None
        return cls(model, checks, defaults, factories, row_checks)

    def __call__(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The model's field values for ``data``, or None: validate with the model.

        The same steps as the column-wise route (``field_check`` for each value, the
        defaults, ``row_check``) for one row; every key of ``data`` must be a field of
        the model (see ``takes``).
        """
        out = self._defaults.copy()
        checks = self._checks
        try:
            for name, value in data.items():
                out[name] = checks[name](value)
        except Rejected:
            return None
        for name, factory in self._factories.items():
            if name not in data:
                out[name] = factory()
        if len(out) != self._size:
            return None  # a required field is missing: the model words it
        return out if self.row_check(out) else None

    def row_check(self, values: dict[str, Any]) -> bool:
        """Whether the model's own model validators take a row of checked values
        (every field of the model present)."""
        if not self._row_checks:
            return True
        record = _Record(values)
        try:
            for check in self._row_checks:
                if check(record) is not record:
                    return False  # a validator that replaces the record: the model decides
        except (ValueError, AssertionError):
            return False
        return True

    @property
    def size(self) -> int:
        """How many fields the model has (a complete row has them all)."""
        return self._size

    def field_check(self, name: str) -> Callable[[Any], Any]:
        """The check of one field: value -> the model's value, or raises ``Rejected``.

        A text or whole-number field without ``after`` validators also has
        ``check.bulk(values) -> values | None`` for a whole column of str / int values."""
        return self._checks[name]

    @property
    def defaults(self) -> dict[str, Any]:
        """Fields with a plain default: field -> default (shared, immutable values)."""
        return dict(self._defaults)

    @property
    def factories(self) -> dict[str, Callable[[], Any]]:
        """Fields whose default is made fresh for every record (lists)."""
        return dict(self._factories)

    def takes(self, names: set[str]) -> bool:
        """Whether rows with these keys can be checked here (all are model fields)."""
        return names <= set(self._order)


class _Record:
    """A row of checked values seen as the model instance a model validator reads."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)


def _one_argument(func: Callable[..., Any]) -> bool:
    """Whether a validator takes just its value (or the instance): no ``info``."""
    try:
        return len(inspect.signature(func).parameters) == 1
    except (TypeError, ValueError):
        return False


def _none_or(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An optional field: None stays None (and still meets the ``after`` validators)."""

    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    bulk = getattr(check, "bulk", None)
    if bulk is not None:
        optional.bulk = bulk  # type: ignore[attr-defined]
    return optional


def _then(first: Callable[[Any], Any], second: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def both(value: Any) -> Any:
        result = first(value)
        return second(result)

    return both
