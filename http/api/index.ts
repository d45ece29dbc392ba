import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import helmet from 'helmet';
import type { AppContext } from '../../app/context';
import { createRedisRateLimiter, type RateLimiter } from '../../platform/rate-limit';
import type { HttpModule } from '../server';
import { authenticate, DEFAULT_RATE_LIMITS, limitByAddress, type RateLimits } from './auth';
import { renderDocsPage } from './docs-page';
import { buildOpenApi, type OpenApiDocument } from './openapi';
import type { RouteSpec } from './registry';
import { jsonBody, mountRoutes, notFoundOrMethod, problemHandler, requireJson } from './router';
import { accountRoutes } from './routes/accounts';
import { organizationRoutes } from './routes/organizations';
import { staffRoutes } from './routes/staff';
import { ticketRoutes } from './routes/tickets';

/** Every route of the staff API, in the order the reference lists them. */
export const STAFF_API_ROUTES: readonly RouteSpec[] = [
  ...organizationRoutes,
  ...accountRoutes,
  ...staffRoutes,
  ...ticketRoutes,
];

let cachedDocument: OpenApiDocument | undefined;
/** The OpenAPI document (built once: the routes are fixed at start). */
export function openApiDocument(): OpenApiDocument {
  cachedDocument ??= buildOpenApi(STAFF_API_ROUTES);
  return cachedDocument;
}

export interface StaffApiOptions {
  rateLimits?: Partial<RateLimits>;
  /** Tests pass their own limiter; by default Redis counters under `${REDIS_PREFIX}:rl:`. */
  limiter?: RateLimiter;
}

export interface StaffApiModule extends HttpModule {
  /** Closes the rate limiter's Redis connection (also done when the HTTP server serving it closes). */
  stop(): Promise<void>;
}

/**
 * The staff REST API (S1) at /api/v1: bearer-token auth with roles, zod validation, problem
 * documents, Idempotency-Key, per-token rate limits, helmet, a 64 KB body limit and no CORS headers
 * (browsers on other origins are refused by default). The reference page is `createApiDocs`.
 */
export function createStaffApi(ctx: AppContext, options: StaffApiOptions = {}): StaffApiModule {
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const limiter =
    options.limiter ??
    createRedisRateLimiter({
      redis: ctx.config.REDIS_URL,
      prefix: `${ctx.config.REDIS_PREFIX}:rl`,
      logger: ctx.logger,
    });
  const router = express.Router();
  const servers = new WeakSet<Server>();

  router.use(helmet());
  // The limiter's connection lives as long as the server: close it when the server closes,
  // so a stopped app leaves nothing open even if nobody calls stop().
  router.use((req: Request, _res: Response, next) => {
    const server = (req.socket as { server?: Server }).server;
    if (server && !servers.has(server)) {
      servers.add(server);
      server.once('close', () => void limiter.close());
    }
    next();
  });
  router.get('/openapi.json', limitByAddress(limiter, limits), (_req, res) => {
    res.json(openApiDocument());
  });
  router.use(authenticate(ctx, limiter, limits));
  router.use(requireJson);
  router.use(jsonBody);
  mountRoutes(router, ctx, STAFF_API_ROUTES);
  router.use(notFoundOrMethod(STAFF_API_ROUTES));
  router.use(problemHandler);

  return { path: '/api/v1', router, stop: () => limiter.close() };
}

/** The rendered reference at /api/docs (public, like the document it renders). */
export function createApiDocs(_ctx: AppContext): HttpModule {
  const router = express.Router();
  let html: string | undefined;
  router.use(helmet());
  router.get('/', (_req, res) => {
    html ??= renderDocsPage(openApiDocument());
    res.type('html').send(html);
  });
  return { path: '/api/docs', router };
}
