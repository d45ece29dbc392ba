import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../platform/logger';

/** A named probe for /readyz: resolves with optional facts to show, throws when not ready. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<Record<string, unknown> | undefined>;
}

/** A part of the HTTP surface (bot endpoints, web chat, pages, staff API) mounted at a path. */
export interface HttpModule {
  path: string;
  router: Router;
}

export interface HttpAppOptions {
  logger: Logger;
  modules: HttpModule[];
  readiness: ReadinessCheck[];
  /** Trust X-Forwarded-* from a reverse proxy (for client IPs in rate limits). */
  trustProxy?: boolean;
}

/** The one express application: request ids and logs, health, the modules, a JSON 404 and error fallback. */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) app.set('trust proxy', 1);

  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // What a request line may say: its id, method, path (tokens blanked) and status. Headers, query
      // values and cookies are never logged: one-time tokens and session ids ride in them.
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          path: loggablePath(req.url),
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      // A client's mistake (4xx) is information about the client, not an error of ours.
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          return { name, ok: true, ...(await check()) };
        } catch (error) {
          return { name, ok: false, error: (error as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: results });
  });

  for (const module of options.modules) app.use(module.path, module.router);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const status =
      typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    // A malformed body or URL is the client's: logged without a stack and without its message (a JSON
    // parse error quotes the body, which may hold a password).
    if (status === 500) req.log?.error({ err: error }, 'unhandled request error');
    else
      req.log?.info(
        { status, type: typeof error?.type === 'string' ? error.type : undefined },
        'client error',
      );
    if (res.headersSent) return;
    res.status(status).json({ error: status === 500 ? 'internal_error' : 'bad_request' });
  };
  app.use(onError);
  return app;
}

/** Path segments that look like secrets: long random tokens (one-time links, file ids), never UUIDs. */
const TOKEN_SEGMENT = /^[A-Za-z0-9_-]{24,}$/;
const UUID_SEGMENT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A URL as a log line may show it: the path with token-like segments blanked, the query reduced to its
 * parameter names (`?token=…` carries one-time sign-in tokens).
 */
export function loggablePath(url: string | undefined): string | undefined {
  if (typeof url !== 'string') return undefined;
  const [path = '', query] = url.split('?', 2);
  const safePath = path
    .split('/')
    .map((segment) => (TOKEN_SEGMENT.test(segment) && !UUID_SEGMENT.test(segment) ? '[redacted]' : segment))
    .join('/');
  if (query === undefined) return safePath;
  const names = query
    .split('&')
    .map((pair) => pair.split('=')[0])
    .filter((name): name is string => Boolean(name) && /^[\w.[\]-]{1,40}$/.test(name!));
  return `${safePath}?${names.map((n) => `${n}=…`).join('&')}`;
}
