// A real OpenID Connect provider for the web app's sign-in test, on loopback: the npm oidc-provider package, pinned by
// this folder's lock file. Usage: node oidc-provider.mjs PORT REDIRECT_URI AUDIENCE
// One public client ("gcm-web", PKCE, no secret). Its development login form takes any password; the login names the
// account as the host's tokens do, role:scope (e.g. "ministry:LBN"), and access tokens are JWTs for the host's audience
// carrying that role. The OAuth scope the page asks for (its State or round) becomes the token's "scope"; the resource
// server's scopes offered are those of the signed-in account (role:scope), which is this test provider's policy.
import Provider from "oidc-provider";

const [port, redirectUri, audience] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

// The resource indicator (RFC 8707) of the host's API; its tokens' audience is AUDIENCE.
const resource = "urn:gcm-actors";
const accountScope = accountId => accountId.split(":")[1] ?? "";

const provider = new Provider(issuer, {
  clients: [{
    client_id: "gcm-web",
    token_endpoint_auth_method: "none",
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code"],
    response_types: ["code"],
  }],
  clientBasedCORS: (ctx, origin) => origin === new URL(redirectUri).origin,
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
        // The scopes this account may be granted: its own State or round, nothing else.
        const account = ctx.oidc.session?.accountId ?? ctx.oidc.entities?.Grant?.accountId ?? "";
        return { audience, scope: accountScope(account), accessTokenFormat: "jwt", accessTokenTTL: 3600, jwt: { sign: { alg: "RS256" } } };
      },
    },
  },
  extraTokenClaims: async (ctx, token) => ({ role: token.accountId.split(":")[0] }),
});
provider.proxy = false;

provider.listen(Number(port), "127.0.0.1", () => console.log(`oidc provider listening on ${issuer}`));
