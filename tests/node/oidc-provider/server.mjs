// A real OpenID Connect provider (the `oidc-provider` package) for Trellis's sign-in tests.
// Started by the tests on a free 127.0.0.1 port; configured by the JSON in OIDC_TEST_CONFIG:
// {"port": 12345, "clients": [...], "accounts": {"login": {claims}}, "shortLived": ["client"]}
// Its development sign-in form accepts any password for a configured login.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const issuer = `http://127.0.0.1:${config.port}`;
const shortLived = new Set(config.shortLived || []);

const provider = new Provider(issuer, {
  clients: config.clients,
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: (ctx, token, client) => (shortLived.has(client.clientId) ? 1 : 3600),
    Interaction: 600,
    Session: 3600,
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['trellis-test-only'] },
  loadExistingGrants: async () => undefined,
});
provider.proxy = false;

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
