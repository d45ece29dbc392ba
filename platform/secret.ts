import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/** A fixed secret for NODE_ENV=test, so several test processes (a restart, two servers) agree. */
const TEST_SECRET = 'helpdesk test secret: never used outside NODE_ENV=test';

const resolved = new WeakMap<Config, string>();

/**
 * The server secret behind one-time code hashes, web form CSRF tokens and signed web chat ids:
 * APP_SECRET when set (required in production). In development without one, a random secret is made
 * once and kept in DATA_DIR/app-secret (readable by this user only), so web chat sessions and open
 * forms survive a restart of `npm start`; tests use a fixed one.
 */
export function appSecret(config: Config): string {
  const known = resolved.get(config);
  if (known) return known;
  let secret = config.APP_SECRET;
  if (!secret && config.NODE_ENV === 'test') secret = TEST_SECRET;
  if (!secret) {
    const file = path.resolve(config.DATA_DIR, 'app-secret');
    try {
      secret = readFileSync(file, 'utf8').trim();
    } catch {
      secret = '';
    }
    if (secret.length < 32) {
      secret = randomBytes(32).toString('base64url');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    }
  }
  resolved.set(config, secret);
  return secret;
}

/** A key for one purpose, derived from the server secret (so no two uses share a key). */
export function deriveKey(config: Config, purpose: string): Buffer {
  return createHmac('sha256', appSecret(config)).update(`helpdesk key: ${purpose}`).digest();
}
