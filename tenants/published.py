"""A tenant's published documents (JWKS, discovery) served from the cache, keyed on a version.

They change only when the tenant's keys or settings change, yet building the JWKS costs as much as
signing an RS256 token. So each document is built once per version and kept in Django's cache
(Redis, with several workers or hosts) with its ETag. The version names the tenant's published
state:

- With a shared cache (`settings.PUBLISHED_VERSIONS_IN_CACHE`), the version is a random token in
  the cache itself, and every change replaces it (`published_version_bump`): once in the writer's
  transaction, and again after the commit, so that a document built from the old rows meanwhile
  is stored under a version nobody asks for any more. A hit costs one cache round trip and no
  query; a rotation is visible to every worker and host at the next request.
- With a process-local cache (the local-memory default), a bump in one process cannot reach the
  others, so each request reads the version from the database instead: one indexed query on the
  tenant and its key rows (their count and latest change). A rotation made by any process is then
  seen at once too; only the document's building is saved.

A document is kept for at most `DOCUMENT_TTL` in any case, which bounds how long a change made
behind the services' back (raw SQL, a restored backup) can go unseen in shared mode.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from tenants.keys import JWKS_MAX_AGE

logger = logging.getLogger(__name__)

# Part of every key: a deployment that changes how documents are built never serves older ones.
FORMAT = 1
DOCUMENT_TTL = JWKS_MAX_AGE

_VERSION_SQL = """
SELECT t.id, t.updated_at, COUNT(k.id), MAX(k.updated_at)
FROM tenants_tenant t LEFT JOIN tenants_signingkey k ON k.tenant_id = t.id
WHERE t.slug = %s
GROUP BY t.id, t.updated_at
"""


@dataclass(frozen=True)
class PublishedDocument:
    version: str
    body: bytes
    etag: str

    def matches(self, if_none_match: str) -> bool:
        """Whether an If-None-Match header names this document (RFC 9110 section 13.1.2)."""
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or self.etag in tags or f"W/{self.etag}" in tags


def _version_key(slug: str) -> str:
    return f"authport:published:{FORMAT}:{slug}:version"


def _document_key(slug: str, name: str, variant: str) -> str:
    digest = hashlib.sha256(variant.encode()).hexdigest()[:16]
    return f"authport:published:{FORMAT}:{slug}:{name}:{digest}"


def _database_version(slug: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL, [slug])
        row = cursor.fetchone()
    return None if row is None else ":".join(str(v) for v in row)


def _bump(slug: str) -> None:
    try:
        cache.set(_version_key(slug), secrets.token_hex(8), timeout=None)
    except Exception:  # a cache outage must not fail the write; documents expire within DOCUMENT_TTL
        logger.exception("could not bump the published version of tenant %s", slug)


def published_version_bump(*, slug: str) -> None:
    """Mark the tenant's published documents stale, now and once the current transaction commits.

    Every service that changes what a tenant publishes (keys, settings, APIs) calls this.
    """
    if not settings.PUBLISHED_VERSIONS_IN_CACHE:
        return  # the version is read from the database, which the change itself updates
    _bump(slug)
    transaction.on_commit(lambda: _bump(slug))


def _build(version: str, build: Callable[[], bytes | None]) -> PublishedDocument | None:
    body = build()
    if body is None:
        return None
    return PublishedDocument(version, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def published_document(
    *, slug: str, name: str, build: Callable[[], bytes | None], variant: str = ""
) -> PublishedDocument | None:
    """The document `name` of tenant `slug`, from the cache or built with `build()` (None: no tenant).

    `variant` names whatever else the body depends on (the issuer of the host it is served on).
    """
    document_key = _document_key(slug, name, variant)
    try:
        if settings.PUBLISHED_VERSIONS_IN_CACHE:
            version_key = _version_key(slug)
            found = cache.get_many([version_key, document_key])
            version, document = found.get(version_key), found.get(document_key)
            if version is not None and document is not None and document.version == version:
                return document
            if version is None:
                # Before building: a bump racing with this build then wins, as it must.
                version = secrets.token_hex(8)
                if not cache.add(version_key, version, timeout=None):
                    version = cache.get(version_key) or version
            document = _build(version, build)
            if document is None:
                cache.delete(version_key)  # no such tenant: leave nothing behind for a made-up slug
                return None
        else:
            version = _database_version(slug)
            if version is None:
                return None
            document = cache.get(document_key)
            if document is not None and document.version == version:
                return document
            document = _build(version, build)
            if document is None:
                return None
        cache.set(document_key, document, timeout=DOCUMENT_TTL)
        return document
    except Exception:
        if not settings.PUBLISHED_VERSIONS_IN_CACHE:
            raise
        # The cache is down: serve from the database, as without a cache.
        logger.exception("published documents: cache unavailable, building %s of %s", name, slug)
        return _build("uncached", build)
