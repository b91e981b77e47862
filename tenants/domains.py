"""Custom domains (Auth0's `custom-domains`, SPEC section 1): claiming, reading, verifying, releasing.

A tenant claims a domain; only the operator, who controls DNS and TLS here, makes it live
(`verify_custom_domain`, or the admin as a superuser). Until then it is `pending_verification`
and the host middleware answers 400 on it. A domain belongs to one tenant, whatever its case.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tenants.errors import CustomDomainConflict, CustomDomainNotFound
from tenants.models import CustomDomain, Tenant

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+$")


def custom_domain_normalize(value: object) -> str:
    """The domain as stored: lowercase ASCII (IDNA), no trailing dot; or ValidationError (400).

    Refused: anything that is not a DNS name of two labels or more (a scheme, port, path, IP address),
    and the names Authport already answers on: PUBLIC_URL's host, local names, TENANT_DOMAIN and its
    tenant hosts.
    """
    if not isinstance(value, str):
        raise ValidationError({"domain": "The domain must be a string."})
    name = value.strip().rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError({"domain": f"{value!r} is not a valid domain name."}) from None
    if not _DOMAIN.fullmatch(name) or name.rsplit(".", 1)[-1].isdigit():
        raise ValidationError(
            {"domain": "The domain must be a DNS name such as login.example.com (no scheme, port or path)."}
        )
    parent = settings.TENANT_DOMAIN
    if (
        name == urlsplit(settings.PUBLIC_URL).hostname
        or name in settings.LOCAL_HOSTS
        or (parent and (name == parent or name.endswith(f".{parent}")))
    ):
        raise ValidationError({"domain": f"{name} is one of this server's own hosts, not a custom domain."})
    return name


def custom_domain_target(tenant: Tenant) -> str:
    """What the custom domain's CNAME record points to: the tenant host, else PUBLIC_URL's host."""
    if settings.TENANT_DOMAIN:
        return f"{tenant.slug}.{settings.TENANT_DOMAIN}"
    return urlsplit(settings.PUBLIC_URL).hostname


def custom_domains_list(*, tenant: Tenant) -> QuerySet[CustomDomain]:
    # select_related: the output names the tenant's host (one query, not one per domain)
    return CustomDomain.objects.for_tenant(tenant).select_related("tenant").order_by("domain", "pk")


def custom_domain_get(*, tenant: Tenant, custom_domain_id: str) -> CustomDomain:
    """By Auth0's `custom_domain_id`, within the tenant only: another tenant's domain is a 404."""
    found = (
        CustomDomain.objects.for_tenant(tenant)
        .select_related("tenant")
        .filter(public_id=custom_domain_id)
        .first()
    )
    if found is None:
        raise CustomDomainNotFound()
    return found


def custom_domain_create(
    *, tenant: Tenant, domain: str, type: str = CustomDomain.Type.SELF_MANAGED_CERTS
) -> CustomDomain:
    """Claim `domain` for the tenant, `pending_verification` until the operator verifies it.

    Already claimed, by this tenant or another, in any case: 409. The unique constraints decide, so
    two tenants claiming one domain at once get one 201 and one 409.
    """
    if type not in CustomDomain.Type.values:
        raise ValidationError(
            {"type": "Only self_managed_certs is supported: the operator terminates TLS at its proxy."}
        )
    custom_domain = CustomDomain(tenant=tenant, domain=custom_domain_normalize(domain), type=type)
    custom_domain.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            custom_domain.save()
    except IntegrityError:
        raise CustomDomainConflict(f"The custom domain {custom_domain.domain} already exists.") from None
    return custom_domain


def custom_domain_delete(*, tenant: Tenant, custom_domain_id: str) -> None:
    """Release the domain: it stops serving the tenant at once (the host middleware reads each request)."""
    deleted, _ = CustomDomain.objects.for_tenant(tenant).filter(public_id=custom_domain_id).delete()
    if not deleted:
        raise CustomDomainNotFound()


def custom_domain_verify(*, domain: str) -> tuple[CustomDomain, bool]:
    """The operator's verification (the command, the admin): the domain becomes `ready` and serves its
    tenant. Only the operator knows that DNS points at this server and that the proxy holds a certificate
    for it; the tenant's own `verify` endpoint never gets here. Verifying a ready domain changes nothing."""
    try:
        name = custom_domain_normalize(domain)
    except ValidationError:
        raise CustomDomainNotFound(f"No custom domain {domain!r} is claimed.") from None
    updated = CustomDomain.objects.filter(
        domain=name, status=CustomDomain.Status.PENDING_VERIFICATION
    ).update(status=CustomDomain.Status.READY, verified_at=timezone.now(), updated_at=timezone.now())
    found = CustomDomain.objects.select_related("tenant").filter(domain=name).first()
    if found is None:
        raise CustomDomainNotFound(f"No custom domain {name} is claimed.")
    return found, bool(updated)
