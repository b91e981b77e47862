"""Django's response headers, with the same answers for less work (installed by CoreConfig.ready).

Django's `ResponseHeaders` answers `in` through `Mapping.__contains__`, which looks the name up and
catches the KeyError of a miss; `setdefault` (SecurityMiddleware's three headers, the sessionless
X-Frame-Options) pays that on every response. Each value is checked by a two-level conversion, and
the WSGI handler reads the headers through `Mapping.items()`, a generator that looks each name up
again. Measured by callgrind on a token request (bench/instructions.py): the nine headers of a token
response cost about 37,000 instructions more through Django's class than through this one.

The answers are Django's: a name is looked up in the same store; a value is stored as Django stores
it, and anything but an ASCII name and value with no CR or LF goes through Django's own
conversion, so non-Latin-1 text is MIME-encoded and a newline raises BadHeaderError as before.
"""

from collections.abc import ItemsView

from django.http import response as django_response

ResponseHeaders = django_response.ResponseHeaders


class _StoredItems(ItemsView):
    """The (name, value) pairs straight from the store, in the order they were set."""

    __slots__ = ()

    def __iter__(self):
        return iter(self._mapping._store.values())


class QuickResponseHeaders(ResponseHeaders):
    def __contains__(self, key) -> bool:
        return key.lower() in self._store

    def setdefault(self, key, value) -> None:
        if key.lower() not in self._store:
            self[key] = value

    def __setitem__(self, key, value) -> None:
        if (
            type(key) is str
            and type(value) is str
            and key.isascii()
            and value.isascii()
            and "\n" not in key
            and "\r" not in key
            and "\n" not in value
            and "\r" not in value
        ):
            self._store[key.lower()] = (key, value)
        else:
            super().__setitem__(key, value)

    def items(self) -> ItemsView:
        return _StoredItems(self)


def quick_headers_install() -> None:
    """Every response Django builds from now on keeps its headers in QuickResponseHeaders:
    `HttpResponseBase.__init__` looks the class up in its module when it runs."""
    django_response.ResponseHeaders = QuickResponseHeaders
