import { ConfigError, loadConfig } from '../../platform/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('configuration', () => {
  it('has sane defaults for the embedded start', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3978);
    expect(config.databaseDriver).toBe('pglite');
    expect(config.DATA_DIR).toBe('./data');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.DEFAULT_LOCALE).toBe('zh-CN');
    expect(config.CHANNELS).toEqual(['web']);
    expect(config.publicBaseUrl).toBe('http://localhost:3978');
    expect(config.TICKET_CATEGORIES.length).toBeGreaterThan(0);
  });

  it('switches to the Postgres driver when DATABASE_URL is set', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/helpdesk',
      PUBLIC_BASE_URL: 'https://hd.example.com/',
    });
    expect(config.databaseDriver).toBe('postgres');
    expect(config.publicBaseUrl).toBe('https://hd.example.com');
  });

  it('names the variable and the reason for a bad value', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://x' })).toEqual([
      'DATABASE_URL must be a URL starting with postgres:// or postgresql://',
    ]);
    expect(problemsOf({ PORT: 'eighty' })[0]).toMatch(/^PORT /);
    expect(problemsOf({ PORT: '70000' })[0]).toMatch(/^PORT /);
    expect(problemsOf({ DEFAULT_LOCALE: 'fr-FR' })[0]).toMatch(/^DEFAULT_LOCALE .*fr-FR/);
    expect(problemsOf({ CHANNELS: 'web,slack' })[0]).toMatch(/^CHANNELS/);
  });

  it('requires the settings of an enabled channel', () => {
    const problems = problemsOf({ CHANNELS: 'web,wecom', WECOM_CORP_ID: 'ww1', WECOM_AES_KEY: 'short' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'WECOM_AES_KEY must be the 43-character EncodingAESKey',
        'WECOM_AGENT_ID is required when CHANNELS includes wecom',
        'WECOM_SECRET is required when CHANNELS includes wecom',
        'WECOM_TOKEN is required when CHANNELS includes wecom',
      ]),
    );
    expect(() => loadConfig({ CHANNELS: 'web' })).not.toThrow();
  });

  it('checks Teams credentials only when an app id is given', () => {
    expect(() => loadConfig({ CHANNELS: 'teams' })).not.toThrow();
    expect(
      problemsOf({ CHANNELS: 'teams', MicrosoftAppId: 'abc', MicrosoftAppType: 'SingleTenant' }),
    ).toEqual([
      'MicrosoftAppPassword is required with MicrosoftAppId when MicrosoftAppType is SingleTenant',
      'MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant',
    ]);
    expect(() =>
      loadConfig({
        CHANNELS: 'teams',
        MicrosoftAppId: 'abc',
        MicrosoftAppType: 'UserAssignedMSI',
        MicrosoftAppTenantId: 't',
      }),
    ).not.toThrow();
  });

  it('requires the SMS provider settings of the chosen provider', () => {
    expect(problemsOf({ SMS_PROVIDER: 'tencent' })).toContain(
      'TENCENT_SECRET_ID is required when SMS_PROVIDER is tencent',
    );
    expect(problemsOf({ SMS_PROVIDER: 'aliyun' })).toContain(
      'ALIYUN_ACCESS_KEY_ID is required when SMS_PROVIDER is aliyun',
    );
  });

  it('requires APP_SECRET in production and never echoes secret values', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'APP_SECRET is required when NODE_ENV is production',
    ]);
    const problems = problemsOf({ APP_SECRET: 'tooshort-secret-value' });
    expect(problems.join(' ')).not.toContain('tooshort-secret-value');
  });
});

describe('configuration documentation', () => {
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const { CONFIG_VARIABLES } = require('../../platform/config') as typeof import('../../platform/config');

  it('.env.example lists every variable, and only those', () => {
    const documented = readFileSync('.env.example', 'utf8')
      .split('\n')
      .map((line) => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1])
      .filter(Boolean);
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
    // Every documented default is accepted by the schema.
    const env = Object.fromEntries(
      readFileSync('.env.example', 'utf8')
        .split('\n')
        .map((line) => /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('the README configuration table names every variable', () => {
    const readme = readFileSync('README.md', 'utf8');
    const missing = CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
