"""The reference views of the bench (see reference_settings): the HTTP ceiling and the design ceiling."""

import json
import secrets
import time

import jwt
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from core import crypto

# One SELECT: the client's secret hash, the API, the client's grant and the tenant's current kid.
TOKEN_SQL = """
SELECT c.client_secret_hash, rs.identifier, rs.signing_alg, rs.signing_secret_encrypted,
       rs.token_lifetime, g.scope, k.kid, k.private_key_encrypted
FROM clients_client c
JOIN tenants_tenant t ON t.id = c.tenant_id
JOIN apis_resourceserver rs ON rs.tenant_id = t.id AND rs.identifier = %s
JOIN clients_clientgrant g ON g.client_id = c.id AND g.resource_server_id = rs.id
LEFT JOIN tenants_signingkey k ON k.tenant_id = t.id AND k.alg = rs.signing_alg AND k.state = 'current'
WHERE c.client_id = %s AND t.slug = %s
"""
_keys: dict[str, object] = {}


def ceiling(request):
    return JsonResponse({"ok": True})


@csrf_exempt
def token(request, tenant_slug: str):
    params = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL, [params["audience"], params["client_id"], tenant_slug])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"error": "access_denied"}, status=403)
    secret_hash, identifier, alg, hs_secret, lifetime, scope, kid, private_key = row
    if not crypto.keyed_hash_matches(params["client_secret"], secret_hash, purpose="client_secret"):
        return JsonResponse({"error": "invalid_client"}, status=401)
    scope = json.loads(scope) if isinstance(scope, str) else scope
    now = int(time.time())
    claims = {
        "iss": f"{settings.PUBLIC_URL}/{tenant_slug}/",
        "sub": f"{params['client_id']}@clients",
        "aud": identifier,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(16),
        "azp": params["client_id"],
        "gty": "client-credentials",
        "scope": " ".join(scope),
    }
    if alg == "HS256":
        access_token = jwt.encode(
            claims, crypto.decrypt(hs_secret), algorithm="HS256", headers={"typ": "JWT"}
        )
    else:
        key = _keys.get(kid)
        if key is None:
            key = _keys[kid] = jwt.algorithms.get_default_algorithms()[alg].prepare_key(
                crypto.decrypt(private_key)
            )
        access_token = jwt.encode(claims, key, algorithm=alg, headers={"typ": "JWT", "kid": kid})
    response = JsonResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": claims["scope"],
        }
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("json", ceiling),
    path("<slug:tenant_slug>/oauth/token", token),
]
