// A resource server as Auth0's quick starts write one: express + express-oauth2-jwt-bearer, which
// discovers the tenant (issuerBaseURL) and caches its JWKS (jose's remote key set). `make soak`
// sends it every RS256/PS256/ES256 token it gets and counts the 401s.
// Usage: node server.js HOST PORT ISSUER_BASE_URL AUD_RS256 AUD_PS256 AUD_ES256 [COOLDOWN_MS]
const express = require("express");
const { auth } = require("express-oauth2-jwt-bearer");

const [host, port, issuerBaseURL, rs256, ps256, es256, cooldown] = process.argv.slice(2);
const app = express();
const routes = { rs256: [rs256, "RS256"], ps256: [ps256, "PS256"], es256: [es256, "ES256"] };
for (const [name, [audience, alg]] of Object.entries(routes)) {
  app.get(`/${name}`, auth({ issuerBaseURL, audience, tokenSigningAlg: alg, cooldownDuration: Number(cooldown || 30000) }), (req, res) => {
    res.json({ sub: req.auth.payload.sub, kid: req.auth.header.kid });
  });
}
app.get("/healthz", (req, res) => res.json({ status: "ok" }));
app.use((err, req, res, next) => {
  res.status(err.status || 500).json({ error: err.code || err.name, message: err.message });
});
app.listen(Number(port), host, () => console.log(`verifier on http://${host}:${port}`));
