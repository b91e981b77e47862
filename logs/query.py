"""Auth0's log search syntax (a Lucene subset) as a Django `Q` (SPEC section 9).

luqum parses the query; this module only walks luqum's tree, so nothing here parses text by hand.
Supported: `field:value`, `field:"quoted value"`, a trailing `*` (prefix), `field:*` (present),
`date:[2026-01-01 TO 2026-12-31]` and `{...}` ranges in whole UTC days (or ISO 8601 instants), `*` as an
open end, `date:>=2026-01-01`, `field:(a OR b)`, AND/OR/NOT, `+`/`-`, parentheses, and juxtaposition
as AND (Auth0's default operator). A term without a field is a case-insensitive prefix search on
client_name, connection and user_name, as Auth0's `search` describes. Anything else is refused with
a message that names it: an unknown field, fuzzy, proximity, boost, regex, a malformed date.
"""

import datetime as dt

from django.db.models import Q
from luqum import tree
from luqum.exceptions import ParseError
from luqum.thread import parse

from logs.errors import InvalidLogQuery
from logs.ids import log_id_after, log_id_floor

MAX_QUERY_LENGTH = 2000
MAX_DEPTH = 20
MAX_TERMS = 50

# Exact matches on ids and codes (their indexes stay usable); names and free text ignore case.
EXACT_FIELDS = frozenset(
    {"log_id", "type", "client_id", "ip", "user_id", "audience", "scope", "strategy", "strategy_type"}
)
CASELESS_FIELDS = frozenset(
    {"description", "client_name", "user_name", "connection", "hostname", "user_agent"}
)
SEARCHABLE_FIELDS = frozenset({"date"}) | EXACT_FIELDS | CASELESS_FIELDS
DEFAULT_FIELDS = ("client_name", "connection", "user_name")

_DAY = dt.timedelta(days=1)


def log_query(q: str) -> Q:
    """The filter `q` means; InvalidLogQuery (400) when it is malformed or asks for what is not here."""
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidLogQuery(f"q is longer than {MAX_QUERY_LENGTH} characters.")
    if "\x00" in q:
        raise InvalidLogQuery("q contains a NUL character.")
    if not q.strip():
        return Q()
    try:
        parsed = parse(q)
    except (ParseError, RecursionError) as exc:
        raise InvalidLogQuery(f"q is not valid query syntax: {exc}") from None
    _check_size(parsed)
    return _translate(parsed, field=None)


def _check_size(root: tree.Item) -> None:
    """Bounds the tree before the (recursive) translation walks it: nesting depth and term count."""
    stack, terms = [(root, 1)], 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidLogQuery(f"q nests deeper than {MAX_DEPTH} levels.")
        if isinstance(node, tree.Term):
            terms += 1
            if terms > MAX_TERMS:
                raise InvalidLogQuery(f"q has more than {MAX_TERMS} terms.")
        stack.extend((child, depth + 1) for child in node.children)


def _translate(node: tree.Item, *, field: str | None) -> Q:
    if isinstance(node, tree.AndOperation | tree.UnknownOperation):
        return _combine(node, field, Q.__and__)
    if isinstance(node, tree.OrOperation):
        return _combine(node, field, Q.__or__)
    if isinstance(node, tree.Not | tree.Prohibit):
        return ~_translate(node.a, field=field)
    if isinstance(node, tree.Plus):
        return _translate(node.a, field=field)
    if isinstance(node, tree.Group | tree.FieldGroup):
        return _translate(node.expr, field=field)
    if isinstance(node, tree.SearchField):
        if field is not None:
            raise InvalidLogQuery(f'q nests field "{node.name}" inside field "{field}".')
        if node.name not in SEARCHABLE_FIELDS:
            raise InvalidLogQuery(
                f'q names an unknown field "{node.name}"; searchable: {", ".join(sorted(SEARCHABLE_FIELDS))}.'
            )
        return _translate(node.expr, field=node.name)
    if field == "date":
        return _date_filter(node)
    if isinstance(node, tree.Range | tree.From | tree.To):
        raise InvalidLogQuery(
            f'q has a range on "{field or "a term without a field"}"; ranges are on date only.'
        )
    if isinstance(node, tree.Word | tree.Phrase):
        return _term_filter(node, field)
    raise InvalidLogQuery(f"q uses unsupported syntax: {str(node).strip()} ({type(node).__name__}).")


def _combine(node: tree.Item, field: str | None, join) -> Q:
    result = None
    for child in node.children:
        part = _translate(child, field=field)
        result = part if result is None else join(result, part)
    return result


def _text(node: tree.Word | tree.Phrase) -> str:
    if isinstance(node, tree.Phrase):
        return tree.Word(node.value[1:-1]).unescaped_value  # the same escapes as a word's
    return node.unescaped_value


def _term_filter(node: tree.Word | tree.Phrase, field: str | None) -> Q:
    value = _text(node)
    prefix = False
    if isinstance(node, tree.Word) and node.has_wildcard():
        if node.value == "*":
            if field is None:
                raise InvalidLogQuery("q has a lone * without a field.")
            return ~Q(**{field: ""})
        if node.value.endswith("*") and not tree.Word(node.value[:-1]).has_wildcard():
            prefix, value = True, value[:-1]
        else:
            raise InvalidLogQuery(f'q has the wildcard "{node.value}"; only a trailing * is supported.')
    if field is None:
        result = Q()
        for name in DEFAULT_FIELDS:
            result |= Q(**{f"{name}__istartswith": value})
        return result
    if field in CASELESS_FIELDS:
        return Q(**{f"{field}__{'istartswith' if prefix else 'iexact'}": value})
    return Q(**{f"{field}__startswith" if prefix else field: value})


def _date_filter(node: tree.Item) -> Q:
    """Whole UTC days: `date:2026-01-01` is that day, `[a TO b]` runs from the start of a to the end of b.
    A date bound is a log_id bound (logs.ids): ids sort by time, and (tenant, log_id) is indexed."""
    if isinstance(node, tree.Range):
        return _date_bound(node.low, low=True, include=node.include_low) & _date_bound(
            node.high, low=False, include=node.include_high
        )
    if isinstance(node, tree.From):
        return _date_bound(node.a, low=True, include=node.include)
    if isinstance(node, tree.To):
        return _date_bound(node.a, low=False, include=node.include)
    if isinstance(node, tree.Word | tree.Phrase):
        start, is_day = _instant(node)
        upto = log_id_floor(start + _DAY) if is_day else log_id_after(start)
        return Q(log_id__gte=log_id_floor(start), log_id__lt=upto)
    raise InvalidLogQuery(f"q uses unsupported syntax on date: {str(node).strip()}.")


def _date_bound(node: tree.Item, *, low: bool, include: bool) -> Q:
    if isinstance(node, tree.Word) and node.value == "*":
        return Q()
    if not isinstance(node, tree.Word | tree.Phrase):
        raise InvalidLogQuery(f"q has an invalid date bound: {str(node).strip()}.")
    start, is_day = _instant(node)
    if is_day:  # a whole day: from its first microsecond, or up to its last
        start = start if include == low else start + _DAY
        return Q(log_id__gte=log_id_floor(start)) if low else Q(log_id__lt=log_id_floor(start))
    if low:
        return Q(log_id__gte=log_id_floor(start) if include else log_id_after(start))
    return Q(log_id__lt=log_id_after(start) if include else log_id_floor(start))


def _instant(node: tree.Word | tree.Phrase) -> tuple[dt.datetime, bool]:
    """A day (`2026-01-01`, its UTC midnight) or an ISO 8601 instant (UTC when it names no offset)."""
    text = _text(node)
    try:
        is_day = len(text) == 10
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidLogQuery(f'q has an invalid date "{text}"; use YYYY-MM-DD or ISO 8601.') from None
    if not 1970 <= when.year <= 9000:  # no event is older, and a day past year 9999 overflows
        raise InvalidLogQuery(f'q has a date out of range "{text}".')
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)), is_day
