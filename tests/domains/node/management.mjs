// Auth0's Node SDK 7 in client-credentials mode, given only a bare tenant domain, as its README shows:
// it builds https://{domain}/oauth/token and https://{domain}/api/v2 itself. Prints what it read.
import { ManagementClient } from "auth0";

const { DOMAIN, CLIENT_ID, CLIENT_SECRET, CUSTOM_DOMAIN } = process.env;
const management = new ManagementClient({ domain: DOMAIN, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });

const items = (page) => (Array.isArray(page) ? page : page.data);
const clients = items(await management.clients.list());
const resourceServers = items(await management.resourceServers.list());
const created = await management.customDomains.create({ domain: CUSTOM_DOMAIN, type: "self_managed_certs" });
const verified = await management.customDomains.verify(created.custom_domain_id);
console.log(
  JSON.stringify({
    clients: clients.map((c) => c.client_id),
    resourceServers: resourceServers.map((r) => r.identifier),
    created,
    verified,
  }),
);
