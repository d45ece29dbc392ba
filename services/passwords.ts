import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { invalidInput } from './errors';

/**
 * Password hashing (scrypt, memory-hard), the password policy and the initial-password generator.
 * The stored string carries its own parameters and salt, so the cost can be raised later without
 * invalidating existing hashes: `scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>`.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

/** 2^15 x 8 x 128 bytes = 32 MiB per hash, about 100 ms on a current CPU. */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 1 };
/** For tests only: the same code path at a fraction of the cost. */
export const TEST_SCRYPT: ScryptParams = { logN: 10, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
// Parameters read back from a stored hash are bounded so a corrupted row cannot make us allocate gigabytes.
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;

export const PASSWORD_MIN = 8;
/** Long enough for any passphrase, short enough that hashing it is never a denial of service. */
export const PASSWORD_MAX = 128;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  // Node refuses above maxmem (32 MiB by default, exactly our default need): leave headroom.
  const maxmem = 128 * N * params.r * 2 + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { N, r: params.r, p: params.p, maxmem },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [logN, r, p] = parts.slice(1, 4).map((x) => Number.parseInt(x, 10)) as [number, number, number];
  if (!(logN >= 1 && logN <= MAX_LOG_N && r >= 1 && r <= MAX_R && p >= 1 && p <= MAX_P)) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  if (salt.length === 0 || hash.length !== KEY_LENGTH) return undefined;
  return { params: { logN, r, p }, salt, hash };
}

export class PasswordHasher {
  constructor(readonly params: ScryptParams = DEFAULT_SCRYPT) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, this.params);
    const { logN, r, p } = this.params;
    return `scrypt$${logN}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /** Constant-time comparison; an unreadable stored value never matches. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed || password.length > PASSWORD_MAX) return false;
    const key = await derive(password, parsed.salt, parsed.params);
    return timingSafeEqual(key, parsed.hash);
  }

  /** A hash made with other (older, weaker) parameters: re-hash it at the next successful sign-in. */
  needsRehash(stored: string): boolean {
    const parsed = parse(stored);
    if (!parsed) return true;
    const { logN, r, p } = parsed.params;
    return logN !== this.params.logN || r !== this.params.r || p !== this.params.p;
  }

  /**
   * Spends the same time as a real check, for a login that does not exist, so response time does
   * not tell which accounts exist.
   */
  async dummyVerify(password: string): Promise<void> {
    await derive(password.slice(0, PASSWORD_MAX), DUMMY_SALT, this.params);
  }
}

const DUMMY_SALT = randomBytes(SALT_LENGTH);

/** F12 / F11: at least 8 characters with letters and digits. Throws invalid_input on field `password`. */
export function checkPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_MIN) {
    throw invalidInput('password', 'password_too_short', `at least ${PASSWORD_MIN} characters`);
  }
  if (password.length > PASSWORD_MAX) {
    throw invalidInput('password', 'password_too_long', `at most ${PASSWORD_MAX} characters`);
  }
  if (!/\p{L}/u.test(password) || !/\p{Nd}/u.test(password)) {
    throw invalidInput('password', 'password_too_weak', 'needs letters and digits');
  }
}

// No 0/O/o, 1/l/I, 2/Z, 5/S, 8/B: the password is read from an SMS and typed by hand.
const LETTERS = 'abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY';
const DIGITS = '34679';
const ALPHABET = LETTERS + DIGITS;

/** A readable initial password (10 characters, about 56 bits) that satisfies the policy. */
export function generateInitialPassword(length = 10): string {
  for (;;) {
    let out = '';
    for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
    // Redraw rather than patch a position, so every valid password stays equally likely.
    if (/[a-zA-Z]/.test(out) && /\d/.test(out)) return out;
  }
}
