"""The Management API's DRF layer (SPEC section 5), one module per job.

Every `/{slug}/api/v2/` view derives from `views.TenantApiView`: it resolves the tenant from the path
before authentication runs, accepts a Bearer JWT issued by *that* tenant for its management audience
(or an admin session of one of its staff) (`auth`), and checks the scope the view declares for the
method. Input is strict JSON (`fields`), lists follow Auth0's pagination (`pagination`), and every
error leaves through `errors.management_exception_handler` in Auth0's shape.
"""

from management_api import auth0_schema
from management_api.auth import AllOf, AnyOf
from management_api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDictField,
    StrictEmailField,
    StrictIntegerField,
    StrictListField,
    StrictNumberField,
    StrictSerializer,
    StrictURLField,
)
from management_api.pagination import CHECKPOINT_PARAMETERS, PAGINATION_PARAMETERS, list_schema
from management_api.views import TenantApiView

__all__ = [
    "CHECKPOINT_PARAMETERS",
    "PAGINATION_PARAMETERS",
    "AllOf",
    "AnyOf",
    "StrictBooleanField",
    "StrictCharField",
    "StrictChoiceField",
    "StrictDictField",
    "StrictEmailField",
    "StrictIntegerField",
    "StrictListField",
    "StrictNumberField",
    "StrictSerializer",
    "StrictURLField",
    "TenantApiView",
    "auth0_schema",
    "list_schema",
]
