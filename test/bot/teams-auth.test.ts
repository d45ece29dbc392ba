import { type FakeBotConnector, FakeTeamsUser, startFakeBotConnector } from '../fakes/bot-connector';
import { type FakeOpenId, startFakeOpenId } from '../fakes/openid';
import { startTestApp, type TestApp } from '../support/app';

/**
 * With an app id configured, /api/messages takes only requests carrying a Bot Framework token: botbuilder's
 * own validator runs unchanged against a local OpenID metadata + JWKS server that the configuration
 * points to (BOT_OPENID_METADATA_URL, BOT_TOKEN_ISSUER), the way it runs against login.botframework.com.
 */
const APP_ID = '11111111-2222-4333-8444-555555555555';

describe('Teams endpoint authentication (app id configured)', () => {
  let app: TestApp;
  let connector: FakeBotConnector;
  let openid: FakeOpenId;

  beforeAll(async () => {
    // botbuilder's validator prints refused tokens to the console itself; the assertions below say it all.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    connector = await startFakeBotConnector();
    openid = await startFakeOpenId();
    app = await startTestApp({
      env: {
        CHANNELS: 'web,teams',
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: 'not-a-real-secret',
        MicrosoftAppType: 'MultiTenant',
        BOT_OPENID_METADATA_URL: openid.metadataUrl,
        BOT_TOKEN_ISSUER: openid.issuer,
      },
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.stop();
    await connector?.close();
    await openid?.close();
  });

  /** A user whose requests carry the given token; `typing` reaches the bot without making it answer. */
  const attempt = async (token?: () => Promise<string>) => {
    const user = new FakeTeamsUser({
      botUrl: app.url,
      connector,
      botId: `28:${APP_ID}`,
      token: token && (async () => token()),
    });
    await user.post(user.activity({ type: 'typing' }));
    const binding = await app.ctx.services.bindings.get('teams', user.userId);
    return { status: user.lastStatus, reachedBot: binding !== undefined };
  };

  it('refuses a request without a token', async () => {
    expect(await attempt()).toEqual({ status: 401, reachedBot: false });
    expect(connector.calls).toHaveLength(0);
  });

  it('refuses a token signed by a key the OpenID metadata does not publish', async () => {
    const result = await attempt(() =>
      openid.tokenFromUnknownKey({ audience: APP_ID, serviceUrl: connector.url }),
    );
    expect(result).toEqual({ status: 401, reachedBot: false });
  });

  it('refuses a token for another bot (audience), from another issuer, or for another service URL', async () => {
    expect(await attempt(() => openid.token({ audience: 'another-bot', serviceUrl: connector.url }))).toEqual(
      {
        status: 401,
        reachedBot: false,
      },
    );
    expect(
      await attempt(() =>
        openid.token({ audience: APP_ID, serviceUrl: connector.url, issuer: 'https://evil.example' }),
      ),
    ).toEqual({ status: 401, reachedBot: false });
    expect(
      await attempt(() => openid.token({ audience: APP_ID, serviceUrl: 'https://elsewhere.example/' })),
    ).toEqual({ status: 401, reachedBot: false });
  });

  it('refuses an expired token', async () => {
    expect(
      await attempt(() =>
        openid.token({ audience: APP_ID, serviceUrl: connector.url, expiresInSeconds: -3600 }),
      ),
    ).toEqual({ status: 401, reachedBot: false });
  });

  it('accepts a token signed by the configured OpenID/JWKS server, for this app and service URL', async () => {
    expect(await attempt(() => openid.token({ audience: APP_ID, serviceUrl: connector.url }))).toEqual({
      status: 200,
      reachedBot: true,
    });
  });

  it('never explains a refusal beyond "unauthorized"', async () => {
    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.token' },
      body: JSON.stringify({ type: 'message', text: 'hi', channelId: 'msteams', serviceUrl: connector.url }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'unauthorized' });
  });
});
