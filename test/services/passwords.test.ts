import {
  checkPasswordPolicy,
  DEFAULT_SCRYPT,
  generateInitialPassword,
  PasswordHasher,
  TEST_SCRYPT,
} from '../../services/passwords';

describe('password hashing', () => {
  const hasher = new PasswordHasher(TEST_SCRYPT);

  it('defaults to a memory-hard cost (N = 2^15, r = 8) and records it in the stored string', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ logN: 15, r: 8, p: 1 });
    const strong = new PasswordHasher();
    const stored = await strong.hash('correct horse 42');
    expect(stored).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(stored).not.toContain('correct horse');
    await expect(strong.verify('correct horse 42', stored)).resolves.toBe(true);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('s3cret-pass');
    await expect(hasher.verify('s3cret-pass', stored)).resolves.toBe(true);
    await expect(hasher.verify('s3cret-pasS', stored)).resolves.toBe(false);
    await expect(hasher.verify('', stored)).resolves.toBe(false);
  });

  it('salts every hash, so equal passwords give different strings', async () => {
    const [a, b] = await Promise.all([hasher.hash('same-pass1'), hasher.hash('same-pass1')]);
    expect(a).not.toBe(b);
  });

  it('never matches a damaged or foreign stored value', async () => {
    const stored = await hasher.hash('abc12345');
    const parts = stored.split('$');
    await expect(hasher.verify('abc12345', parts.slice(0, 5).join('$'))).resolves.toBe(false);
    await expect(hasher.verify('abc12345', `bcrypt$${parts.slice(1).join('$')}`)).resolves.toBe(false);
    // A huge cost in a tampered row is refused rather than allocating gigabytes.
    await expect(hasher.verify('abc12345', stored.replace('scrypt$10$', 'scrypt$30$'))).resolves.toBe(false);
  });

  it('tells when a hash was made with other parameters (upgraded at the next sign-in)', async () => {
    const old = await hasher.hash('abc12345');
    expect(hasher.needsRehash(old)).toBe(false);
    expect(new PasswordHasher({ logN: 11, r: 8, p: 1 }).needsRehash(old)).toBe(true);
  });
});

describe('password policy', () => {
  it.each([
    ['7 characters', 'short12', 'password_too_short'],
    ['letters only', 'onlyletters', 'password_too_weak'],
    ['digits only', '1234567890', 'password_too_weak'],
    ['over 128 characters', `a1${'x'.repeat(200)}`, 'password_too_long'],
  ])('refuses %s (%s)', (_label, password, code) => {
    expect(() => checkPasswordPolicy(password)).toThrow(
      expect.objectContaining({ kind: 'invalid_input', code }),
    );
  });

  it('accepts letters and digits from 8 characters, including Chinese letters', () => {
    expect(() => checkPasswordPolicy('abcdefg1')).not.toThrow();
    expect(() => checkPasswordPolicy('密码很安全很安全12')).not.toThrow();
  });
});

describe('initial password', () => {
  it('is 10 readable characters that pass the policy, and different each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const password = generateInitialPassword();
      expect(password).toHaveLength(10);
      expect(password).not.toMatch(/[0O1lI2Z5S8B]/);
      expect(() => checkPasswordPolicy(password)).not.toThrow();
      seen.add(password);
    }
    expect(seen.size).toBe(500);
  });
});
