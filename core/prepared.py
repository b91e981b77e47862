"""ORM querysets compiled to SQL once per process and run again with new values (the hot path).

Django compiles a queryset to SQL on every evaluation. On the token endpoint that compilation
costs several times the query itself (measured: ~2.5 ms to compile against ~0.3 ms to run on
SQLite). The SQL depends only on the queryset's shape, so it is compiled once from sentinel values.

Running it through RawQuerySet still rebuilt the column mapping, the database converters and the
model-init order on every run (measured: 470-490 µs for the token endpoint's two queries, of which
170 µs was the cursor). So the compiler's own plan is kept too, per database: later runs execute
the SQL on a cursor of that database (query logging and counting work as usual), apply the
converters the compiler chose, and build instances as `Model.from_db` would (`loaded_instance`):
deferred fields still load on access, and annotations become attributes.

Constants of the queryset itself (a state such as "current", never a request's value: those are
the sentinels) are written into the SQL as literals when they are plain words or integers. SQLite
re-plans a statement on every run when a bound parameter decides whether a partial index applies
(`state = ?` against the one-current-key index): measured 115 µs a run, against 19 µs with the
literal.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from django.db import connections, models, router
from django.db.models import signals
from django.db.models.base import ModelState

_PLAIN_WORD = re.compile(r"[A-Za-z0-9_]+")
# orjson reads an integer past 64 bits as a float; any number that long goes to Django's reader.
_LONG_DIGITS = re.compile(r"[0-9]{19}")


def _cursor(connection):
    """A cursor whose statements the database prepares once per connection where the backend offers
    one (core/postgresql), else an ordinary cursor: these statements are fixed, only values change."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def _inline_constants(sql: str, slots: list[tuple[str, object]]) -> tuple[str, list[tuple[str, object]]]:
    """Write plain-word and integer constants into the SQL; keep the rest as parameters."""
    pieces = re.split(r"(%%|%s)", sql)
    out, kept, index = [], [], 0
    for piece in pieces:
        if piece != "%s":
            out.append(piece)
            continue
        kind, value = slots[index]
        index += 1
        if kind == "constant" and type(value) is int:
            out.append(str(value))
        elif kind == "constant" and isinstance(value, str) and _PLAIN_WORD.fullmatch(value):
            out.append(f"'{value}'")
        else:
            out.append("%s")
            kept.append((kind, value))
    if index != len(slots):
        raise ValueError("the SQL's placeholders do not match its parameters")
    return "".join(out), kept


def _json_text_converter(field_converter):
    """JSONField's converter, with orjson reading the stored text first: the standard library's
    json.loads costs several times as much for the short lists the token endpoint reads (grant types,
    scopes). Whatever orjson refuses (no text, NaN, not JSON at all), or could read otherwise (19
    digits or more in a row: an integer past 64 bits), goes to Django's own converter."""

    def converted(value, expression, connection):
        if type(value) is str and not _LONG_DIGITS.search(value):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return field_converter(value, expression, connection)

    return converted


def _orjson_first(functions: list) -> list:
    """The converters, with a plain JSONField's (no decoder of its own) read by orjson first."""
    return [
        _json_text_converter(f)
        if getattr(f, "__func__", None) is models.JSONField.from_db_value and f.__self__.decoder is None
        else f
        for f in functions
    ]


def _converted(row, converters, connection) -> list:
    """The row with each column's database converters applied, as the compiler's iterator does;
    `converters` is `compiler.get_converters(...)`'s shape: [(column, (functions, expression))]."""
    row = list(row)
    for column, (functions, expression) in converters:
        value = row[column]
        for convert in functions:
            value = convert(value, expression, connection)
        row[column] = value
    return row


def loaded_instance(model: type[models.Model], db: str, attnames: list[str], values) -> models.Model:
    """What `model.from_db(db, attnames, values)` returns, without `Model.__init__`'s per-field loop
    and its two signals (measured: 4-5 µs an instance, against under 1 µs here). The fields' values
    go into the instance's `__dict__`, where `Model.__init__` puts them too; a field left out loads
    on access, as a deferred field does. A model with its own `from_db`, or with receivers of
    pre_init or post_init, is built by Django."""
    if model.from_db.__func__ is not models.Model.from_db.__func__ or (
        # No receiver at all, for any model, is the usual case; asking per model walks a weak mapping.
        (signals.pre_init.receivers or signals.post_init.receivers)
        and (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))
    ):
        return model.from_db(db, attnames, values)
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, db
    return instance


@dataclass(frozen=True)
class _Plan:
    sql: str
    slots: list[tuple[str, object]]  # ("value", name) or ("constant", value), in parameter order
    init_list: list[str]  # the model's attnames, in select order
    model_end: int  # the model's columns are row[:model_end]
    annotations: list[tuple[str, int]]  # (attribute, column)
    converters: list[tuple[int, tuple[list, object]]]  # (column, (converter functions, expression))


class PreparedQuery:
    def __init__(
        self, model: type[models.Model], build: Callable[..., models.QuerySet], **kinds: type
    ) -> None:
        """`build(**values)` returns the queryset; `kinds` names each value's type (str or int).

        The queryset selects columns of `model` (with `only`/`defer` and annotations) and no related
        model (`select_related` is refused: its instances would need Django's related populators).
        """
        self.model = model
        self.build = build
        self.kinds = kinds
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def _sentinels(self) -> dict:
        return {
            name: (f"\x00prepared:{name}" if kind is str else -(7_000_000_001 + i))
            for i, (name, kind) in enumerate(self.kinds.items())
        }

    def _compile(self, alias: str) -> _Plan:
        with self._lock:
            plan = self._plans.get(alias)
            if plan is not None:
                return plan
            sentinels = self._sentinels()
            by_value = {value: name for name, value in sentinels.items()}
            compiler = self.build(**sentinels).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots = [("value", by_value[p]) if p in by_value else ("constant", p) for p in params]
            if {name for kind, name in slots if kind == "value"} != set(sentinels):
                raise ValueError("every value must appear among the query's parameters")
            sql, slots = _inline_constants(sql, slots)
            klass_info = compiler.klass_info
            if klass_info.get("related_klass_infos"):
                raise ValueError("a prepared query cannot select related models")
            select_fields = klass_info["select_fields"]
            if select_fields != list(range(len(select_fields))):
                raise ValueError("the model's columns must come first")
            columns = [s[0] for s in compiler.select[: compiler.col_count]]
            plan = _Plan(
                sql=sql,
                slots=slots,
                init_list=[col.target.attname for col in columns[: len(select_fields)]],
                model_end=len(select_fields),
                annotations=list((compiler.annotation_col_map or {}).items()),
                converters=[
                    (column, (_orjson_first(functions), expression))
                    for column, (functions, expression) in compiler.get_converters(columns).items()
                ],
            )
            self._plans[alias] = plan
            return plan

    def run(self, **values) -> list[models.Model]:
        alias = router.db_for_read(self.model)
        plan = self._plans.get(alias) or self._compile(alias)
        params = [values[name] if kind == "value" else name for kind, name in plan.slots]
        connection = connections[alias]
        with _cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            row = _converted(row, plan.converters, connection)
            obj = loaded_instance(self.model, alias, plan.init_list, row[: plan.model_end])
            for attribute, column in plan.annotations:
                setattr(obj, attribute, row[column])
            found.append(obj)
        return found


class PreparedSelect:
    """A hand-joined SELECT, for joins the models' relations cannot express (a tenant-owned model's
    reverse relations are hidden). `compose(quote_name)` writes the SQL once per database; `fields`
    names the model field of each selected column, whose database converters are applied as the
    compiler would (JSON text on SQLite, booleans, ...)."""

    def __init__(
        self, model: type[models.Model], compose: Callable[[Callable[[str], str]], str], fields: list
    ):
        self.model = model  # routes the query
        self.compose = compose
        self.fields = fields
        self._plans: dict[str, tuple[str, list]] = {}

    def _plan(self, alias: str) -> tuple[str, list]:
        connection = connections[alias]
        converters = []
        for column, field in enumerate(self.fields):
            expression = field.cached_col
            functions = _orjson_first(
                connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
            )
            if functions:
                converters.append((column, (functions, expression)))  # the compiler's shape
        plan = self._plans[alias] = (self.compose(connection.ops.quote_name), converters)
        return plan

    def run(self, params: list) -> tuple[str, list] | None:
        """The first row, converted, and the database it came from; None when there is none."""
        alias = router.db_for_read(self.model)
        sql, converters = self._plans.get(alias) or self._plan(alias)
        connection = connections[alias]
        with _cursor(connection) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else (alias, _converted(row, converters, connection))
