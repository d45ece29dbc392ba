import pino, { type Logger } from 'pino';

export type { Logger };

/** Field names whose values never reach a log line, wherever they sit in the logged object. */
const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'initialPassword',
  'passwordHash',
  'code',
  'token',
  'secret',
  'accessToken',
  'access_token',
  'authorization',
  'cookie',
  'set-cookie',
  'appPassword',
  'MicrosoftAppPassword',
  'x-csrf-token',
];

const redactPaths = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
].map((p) =>
  p.includes('-') && !p.includes('[') ? p.replace(/\.?([\w]*-[\w-]*)$/, (_m, k) => `["${k}"]`) : p,
);

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'helpdesk' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      // Query strings may carry one-time tokens: log the path only (http/server.ts logs requests).
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
        }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
