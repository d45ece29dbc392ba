import { z } from 'zod';

/**
 * The one schema for every environment variable the product reads.
 * `loadConfig` refuses a bad environment with one line per problem, naming the variable.
 */

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

const optionalUrl = (protocols: string[]) => optionalText.pipe(z.union([z.undefined(), url(protocols)]));

const CHANNELS = ['web', 'teams', 'wecom', 'wechat_kf'] as const;
export type ChatChannel = (typeof CHANNELS)[number];

export const LOCALES = ['zh-CN', 'en-US'] as const;
export type Locale = (typeof LOCALES)[number];

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(3978, 0, 65535),
    HOST: z.string().trim().min(1).optional(),
    PUBLIC_BASE_URL: optionalUrl(['http:', 'https:']),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DEFAULT_LOCALE: z.enum(LOCALES).default('zh-CN'),
    APP_SECRET: optionalText.pipe(
      z.union([z.undefined(), z.string().min(32, 'must be at least 32 characters')]),
    ),

    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
    DATA_DIR: z.string().trim().min(1).default('./data'),
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[\w-]{1,32}$/, 'letters, digits, _ or -, at most 32')
      .default('helpdesk'),
    DEMO_DATA: bool(true),

    CHANNELS: z
      .string()
      .default('web')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(z.enum(CHANNELS, { message: `each channel must be one of ${CHANNELS.join(', ')}` })).min(1),
      ),

    TICKET_CATEGORIES: z
      .string()
      .default('account,billing,technical,other')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(z.string().regex(/^[a-z0-9_-]{1,32}$/, 'each category: a-z, 0-9, _ or -, at most 32')).min(1),
      ),
    RATING_WINDOW_DAYS: int(7, 1, 365),
    RATING_REMINDER_HOURS: int(24, 1, 24 * 30),

    // Microsoft Teams (Bot Framework). Names follow botbuilder's ConfigurationBotFrameworkAuthentication.
    MicrosoftAppId: optionalText,
    MicrosoftAppPassword: optionalText,
    MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
    MicrosoftAppTenantId: optionalText,
    BOT_OPENID_METADATA_URL: optionalUrl(['http:', 'https:']),
    BOT_TOKEN_ISSUER: optionalText,
    TEAMS_STAFF_CONVERSATION_ID: optionalText,
    TEAMS_STAFF_SERVICE_URL: optionalUrl(['http:', 'https:']),

    // WeCom self-built app and WeChat Customer Service.
    WECOM_CORP_ID: optionalText,
    WECOM_AGENT_ID: optionalText,
    WECOM_SECRET: optionalText,
    WECOM_TOKEN: optionalText,
    WECOM_AES_KEY: optionalText.pipe(
      z.union([z.undefined(), z.string().length(43, 'must be the 43-character EncodingAESKey')]),
    ),
    WECOM_API_BASE_URL: url(['http:', 'https:']).default('https://qyapi.weixin.qq.com'),
    WECOM_KF_OPEN_KFID: optionalText,
    WECOM_STAFF_ROBOT_KEY: optionalText,

    // SMS.
    SMS_PROVIDER: z.enum(['log', 'tencent', 'aliyun']).default('log'),
    SMS_ENDPOINT: optionalText,
    SMS_SIGN_NAME: optionalText,
    SMS_TEMPLATE_CREDENTIALS: optionalText,
    SMS_TEMPLATE_CODE: optionalText,
    SMS_TEMPLATE_NOTICE: optionalText,
    TENCENT_SECRET_ID: optionalText,
    TENCENT_SECRET_KEY: optionalText,
    TENCENT_SMS_SDK_APP_ID: optionalText,
    TENCENT_SMS_REGION: z.string().default('ap-guangzhou'),
    ALIYUN_ACCESS_KEY_ID: optionalText,
    ALIYUN_ACCESS_KEY_SECRET: optionalText,

    // Email.
    SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
    MAIL_FROM: z.string().default('Helpdesk <helpdesk@localhost>'),

    // Workers.
    WORKER_CONCURRENCY: int(8, 1, 256),
    OUTBOX_POLL_MS: int(1000, 10, 60_000),
    OUTBOX_BATCH: int(200, 1, 5000),
    JOB_ATTEMPTS: int(8, 1, 50),
    JOB_BACKOFF_MS: int(2000, 1, 3_600_000),
    RETENTION_DAYS: int(30, 1, 3650),
    ANONYMOUS_RETENTION_DAYS: int(7, 1, 365),

    // Web chat (the demo channel): what one browser or address may do.
    WEBCHAT_SESSIONS_PER_HOUR: int(30, 1, 1_000_000),
    WEBCHAT_MESSAGES_PER_MINUTE: int(60, 1, 1_000_000),
    WEBCHAT_UPLOAD_MB_PER_DAY: int(50, 1, 100_000),
    // The secret web pages (sign-in, passwords), per client address.
    PAGES_VIEWS_PER_MINUTE: int(60, 1, 1_000_000),
    PAGES_POSTS_PER_10_MINUTES: int(30, 1, 1_000_000),
    DEV_PANEL: z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .optional()
      .transform((v) => (v === undefined ? undefined : ['true', '1', 'yes'].includes(v))),
  })
  .superRefine((env, ctx) => {
    const need = (condition: string, names: (keyof typeof env)[]) => {
      for (const name of names) {
        if (env[name] === undefined) {
          ctx.addIssue({ code: 'custom', path: [name], message: `is required when ${condition}` });
        }
      }
    };
    if (env.CHANNELS.includes('wecom')) {
      need('CHANNELS includes wecom', [
        'WECOM_CORP_ID',
        'WECOM_AGENT_ID',
        'WECOM_SECRET',
        'WECOM_TOKEN',
        'WECOM_AES_KEY',
      ]);
    }
    if (env.CHANNELS.includes('wechat_kf')) {
      need('CHANNELS includes wechat_kf', [
        'WECOM_CORP_ID',
        'WECOM_SECRET',
        'WECOM_TOKEN',
        'WECOM_AES_KEY',
        'WECOM_KF_OPEN_KFID',
      ]);
    }
    if (env.CHANNELS.includes('teams') && env.MicrosoftAppId !== undefined) {
      const type = env.MicrosoftAppType ?? 'MultiTenant';
      if (type !== 'UserAssignedMSI' && env.MicrosoftAppPassword === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['MicrosoftAppPassword'],
          message: `is required with MicrosoftAppId when MicrosoftAppType is ${type}`,
        });
      }
      if (type !== 'MultiTenant' && env.MicrosoftAppTenantId === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['MicrosoftAppTenantId'],
          message: `is required when MicrosoftAppType is ${type}`,
        });
      }
    }
    if (env.SMS_PROVIDER === 'tencent') {
      need('SMS_PROVIDER is tencent', [
        'TENCENT_SECRET_ID',
        'TENCENT_SECRET_KEY',
        'TENCENT_SMS_SDK_APP_ID',
        'SMS_SIGN_NAME',
        'SMS_TEMPLATE_CREDENTIALS',
        'SMS_TEMPLATE_CODE',
        'SMS_TEMPLATE_NOTICE',
      ]);
    }
    if (env.SMS_PROVIDER === 'aliyun') {
      need('SMS_PROVIDER is aliyun', [
        'ALIYUN_ACCESS_KEY_ID',
        'ALIYUN_ACCESS_KEY_SECRET',
        'SMS_SIGN_NAME',
        'SMS_TEMPLATE_CREDENTIALS',
        'SMS_TEMPLATE_CODE',
        'SMS_TEMPLATE_NOTICE',
      ]);
    }
    if (env.NODE_ENV === 'production' && env.DEV_PANEL === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_PANEL'],
        message: 'must not be true when NODE_ENV is production (it shows one-time codes)',
      });
    }
    if (env.NODE_ENV === 'production' && env.APP_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['APP_SECRET'],
        message: 'is required when NODE_ENV is production',
      });
    }
  });

export type Env = Omit<z.output<typeof envSchema>, 'HOST'> & { HOST: string };

export interface Config extends Env {
  /** Where links in chat messages point: PUBLIC_BASE_URL, or this machine's address in development. */
  publicBaseUrl: string;
  /** 'postgres' when DATABASE_URL is set, else the embedded PGlite under DATA_DIR. */
  databaseDriver: 'pglite' | 'postgres';
  /**
   * The web chat's development panel (one-time codes and messages the log senders "sent", for the
   * browser that caused them): DEV_PANEL=true, else on only outside production while the server
   * listens on a loopback address (nobody else can reach it).
   */
  devPanel: boolean;
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can connect to. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in `FOO=` lines of an env file.
  const present = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const received = source[String(issue.path[0])];
        const message =
          issue.code === 'invalid_value' || issue.code === 'invalid_type'
            ? `${issue.message}${received === undefined ? '' : ` (got "${redactValue(String(issue.path[0]), received)}")`}`
            : issue.message;
        return `${name} ${message}`;
      }),
    );
  }
  const env = parsed.data;
  const host = env.HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1');
  return {
    ...env,
    // Development listens on this machine only; production (a container, a load balancer) on all addresses.
    HOST: host,
    devPanel: env.DEV_PANEL ?? (env.NODE_ENV !== 'production' && isLoopbackHost(host)),
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    databaseDriver: env.DATABASE_URL ? 'postgres' : 'pglite',
  };
}

function redactValue(name: string, value: string): string {
  return /SECRET|PASSWORD|KEY|TOKEN|URL/i.test(name) ? '…' : value.slice(0, 40);
}

/** The name of every environment variable the schema reads (documented in .env.example and the README). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
