"""JSON shapes of the user, role and permission endpoints: Auth0's field names (SPEC section 5)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from management_api import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDictField,
    StrictEmailField,
    StrictListField,
    StrictSerializer,
    StrictURLField,
)
from tenants.models import USER_DATABASE


class UserUpdateInput(StrictSerializer):
    # Auth0 names the connection when email or password change; each tenant has one user database.
    connection = StrictChoiceField([(USER_DATABASE, USER_DATABASE)], required=False)
    email = StrictEmailField(max_length=254, required=False)
    email_verified = StrictBooleanField(required=False)
    password = StrictCharField(min_length=1, max_length=256, required=False, write_only=True)
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    given_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    family_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    nickname = StrictCharField(max_length=150, required=False, allow_blank=True)
    picture = StrictURLField(max_length=500, required=False, allow_blank=True)
    app_metadata = StrictDictField(required=False)
    user_metadata = StrictDictField(required=False)
    blocked = StrictBooleanField(required=False)


class UserCreateInput(UserUpdateInput):
    connection = StrictChoiceField([(USER_DATABASE, USER_DATABASE)])
    email = StrictEmailField(max_length=254)
    password = StrictCharField(min_length=1, max_length=256, write_only=True)
    verify_email = StrictBooleanField(required=False)  # accepted for Auth0 SDKs; Authport sends no email


class IdentityOutput(serializers.Serializer):
    connection = serializers.CharField()
    provider = serializers.CharField()
    user_id = serializers.CharField()
    isSocial = serializers.BooleanField()  # noqa: N815 - Auth0's field name


class UserOutput(serializers.Serializer):
    user_id = serializers.CharField()
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()
    name = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    nickname = serializers.CharField()
    picture = serializers.CharField()
    app_metadata = serializers.DictField()
    user_metadata = serializers.DictField()
    blocked = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)
    # SPEC section 5 names `connection` on the user; Auth0 has it in `identities` too.
    connection = serializers.CharField(read_only=True)
    identities = serializers.SerializerMethodField()

    @extend_schema_field(IdentityOutput(many=True))
    def get_identities(self, user) -> list[dict]:
        return [
            {
                "connection": user.connection,
                "provider": "auth0",
                "user_id": user.user_id.split("|", 1)[-1],
                "isSocial": False,
            }
        ]


class RoleCreateInput(StrictSerializer):
    name = StrictCharField(min_length=1, max_length=200)
    description = StrictCharField(max_length=500, required=False, allow_blank=True)


class RoleUpdateInput(StrictSerializer):
    name = StrictCharField(min_length=1, max_length=200, required=False)
    description = StrictCharField(max_length=500, required=False, allow_blank=True)


class RoleOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    description = serializers.CharField()


class PermissionInput(StrictSerializer):
    resource_server_identifier = StrictCharField(min_length=1, max_length=600)
    permission_name = StrictCharField(min_length=1, max_length=280)


class PermissionsInput(StrictSerializer):
    permissions = StrictListField(child=PermissionInput(), min_length=1)


def permission_pairs(data: dict) -> list[tuple[str, str]]:
    return [(p["resource_server_identifier"], p["permission_name"]) for p in data["permissions"]]


class RolesInput(StrictSerializer):
    roles = StrictListField(child=StrictCharField(min_length=1, max_length=64), min_length=1)


class PermissionSourceOutput(serializers.Serializer):
    source_id = serializers.CharField()
    source_name = serializers.CharField()
    source_type = serializers.ChoiceField([("DIRECT", "DIRECT"), ("ROLE", "ROLE")])


class RolePermissionOutput(serializers.Serializer):
    permission_name = serializers.CharField()
    resource_server_identifier = serializers.CharField()
    resource_server_name = serializers.CharField()
    description = serializers.CharField()


class UserPermissionOutput(RolePermissionOutput):
    sources = PermissionSourceOutput(many=True)


class IdentifierQuery(StrictSerializer):
    identifier = StrictCharField(max_length=254)
    consider_brute_force_enablement = StrictBooleanField(required=False)  # Auth0's; always true here


class BlockOutput(serializers.Serializer):
    identifier = serializers.CharField()
    ip = serializers.CharField()
    connection = serializers.CharField()


class UserBlocksOutput(serializers.Serializer):
    blocked_for = BlockOutput(many=True)
