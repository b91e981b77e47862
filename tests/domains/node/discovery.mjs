// openid-client 6: OIDC discovery of a tenant host, then a client-credentials grant at the
// token_endpoint it found. Prints the metadata and the token answer.
import * as client from "openid-client";

const { ISSUER, CLIENT_ID, CLIENT_SECRET, AUDIENCE } = process.env;
const config = await client.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET);
const tokens = await client.clientCredentialsGrant(config, { audience: AUDIENCE });
console.log(JSON.stringify({ metadata: config.serverMetadata(), access_token: tokens.access_token }));
