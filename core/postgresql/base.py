"""Django's PostgreSQL backend, with a connection health check that costs no round trip.

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


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return super().is_usable()
        return super().is_usable() if readable else True
