import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

/**
 * A local stand-in for the Bot Framework's OpenID metadata and signing keys, as a real HTTP server on
 * 127.0.0.1: GET /.well-known/openidconfiguration -> { issuer, jwks_uri }, GET /keys -> the JWKS.
 * The bot's BOT_OPENID_METADATA_URL / BOT_TOKEN_ISSUER point here, so botbuilder's own validator
 * (fetching keys, checking signature, issuer, audience, endorsements, serviceUrl) runs unchanged.
 */

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface FakeOpenId {
  metadataUrl: string;
  issuer: string;
  /** A token like the Bot Framework's for a request to the bot: aud = app id, serviceUrl claim. */
  token(claims: {
    audience: string;
    serviceUrl: string;
    issuer?: string;
    expiresInSeconds?: number;
  }): Promise<string>;
  /** The same token signed by a key the JWKS does not publish (an attacker's key with a known kid). */
  tokenFromUnknownKey(claims: { audience: string; serviceUrl: string }): Promise<string>;
  close(): Promise<void>;
}

const KID = 'fake-bot-framework-key';

async function sign(
  key: KeyPair['privateKey'],
  kid: string,
  issuer: string,
  payload: JWTPayload,
  ttl: number,
) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${ttl}s`)
    .sign(key);
}

export async function startFakeOpenId(
  options: { issuer?: string; endorsements?: string[] } = {},
): Promise<FakeOpenId> {
  const published = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(published.publicKey);
  let base = '';
  const issuer = options.issuer ?? 'https://api.botframework.test';

  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openidconfiguration' || req.url === '/.well-known/openid-configuration') {
      res.end(
        JSON.stringify({
          issuer,
          jwks_uri: `${base}/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    } else if (req.url === '/keys') {
      res.end(
        JSON.stringify({
          keys: [
            { ...jwk, kid: KID, use: 'sig', alg: 'RS256', endorsements: options.endorsements ?? ['msteams'] },
          ],
        }),
      );
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    metadataUrl: `${base}/.well-known/openidconfiguration`,
    issuer,
    token: (c) =>
      sign(
        published.privateKey,
        KID,
        c.issuer ?? issuer,
        { aud: c.audience, serviceurl: c.serviceUrl },
        c.expiresInSeconds ?? 3600,
      ),
    tokenFromUnknownKey: (c) =>
      sign(stranger.privateKey, KID, issuer, { aud: c.audience, serviceurl: c.serviceUrl }, 3600),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
