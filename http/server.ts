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
    req.log?.error({ err: error }, 'unhandled request error');
    if (res.headersSent) return;
    const status =
      typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    res.status(status).json({ error: status === 500 ? 'internal_error' : 'bad_request' });
  };
  app.use(onError);
  return app;
}
