"""Django's PostgreSQL backend, with a connection health check that costs no round trip, and a cursor
whose statements are prepared once per connection (`prepared_cursor`, for core/prepared.py).

With CONN_HEALTH_CHECKS, Django checks a persistent connection before its first use in each
request, and PostgreSQL's check is a `SELECT 1`: a third round trip on every token request (SPEC
hot path), for a connection that almost always is fine. Here the check first asks the socket: an
idle connection the server still holds has nothing to read, while one the server ended (restart,
idle timeout, pg_terminate_backend) is readable, since the server sends its error and closes. Only
then, or when the socket cannot be polled, does the usual `SELECT 1` decide. A connection broken
without a word (a network cut) still passes until a query fails on it, as a `SELECT 1` done a
moment earlier would have let through the same failure.
"""

import select

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3

# psycopg prepares a statement when asked (`prepare=True`) or after this many runs; Django's cursors
# bind on the client, which never prepares, so only the hot path's statements are prepared.
_ONLY_WHEN_ASKED = 2**31 - 1

if is_psycopg3:

    class _PreparingCursor(base.ServerBindingCursor):
        """Server-side binding, and every statement prepared (psycopg keeps a per-connection cache)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


class DatabaseOperations(base.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # A prepared statement's cursor keeps no text of its own: show the statement as written.
        return super().last_executed_query(cursor, sql, params) or sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def prepared_cursor(self):
        """A cursor for the hot path's fixed statements (core/prepared.py), which PostgreSQL parses
        and plans once per connection instead of on every run: the token endpoint's one statement
        joins five tables, and planning it cost PostgreSQL more than running it (measured: about 400
        µs of its CPU a request, as much as the whole request's Python). Django's cursors bind on
        the client (the ORM's SQL is not all preparable), so the rest of the ORM keeps them. The
        wrapper is Django's own: query logging, execute wrappers and error translation as usual."""
        if not is_psycopg3:
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            if self.connection.prepare_threshold is None:  # Django's "never": our cursors say when
                self.connection.prepare_threshold = _ONLY_WHEN_ASKED
            cursor = _PreparingCursor(self.connection)
            tzloader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
            if self.timezone != tzloader.timezone:
                base.register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)

    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return super().is_usable()
        return super().is_usable() if readable else True
