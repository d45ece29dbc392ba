import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/context';
import { isDomainError } from '../../services/errors';
import { actorOf, checkRole } from './auth';
import { parseIdempotencyKey, requestHash, withIdempotency } from './idempotency';
import { ApiProblem, type FieldError, sendProblem } from './problems';
import { type Method, pathMatcher, type RouteSpec } from './registry';

/**
 * Mounts route specs on a router: role check, validation of path, query and body with the spec's
 * zod schemas, Idempotency-Key, the handler, and the response checked against the documented schema.
 * Ends with 404/405 and the one error handler that answers every failure as a problem document.
 */

export const BODY_LIMIT_BYTES = 64 * 1024;

const emptyQuery = z.strictObject({});

function fieldErrors(where: FieldError['in'], error: z.ZodError): FieldError[] {
  return error.issues.slice(0, 20).map((issue) => ({
    in: where,
    field:
      issue.path.map(String).join('.') ||
      (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(root)'),
    message: issue.message,
  }));
}

function validate<S extends z.ZodType>(schema: S, value: unknown, where: FieldError['in']): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const names = { path: 'path parameter', query: 'query parameter', body: 'body field', header: 'header' };
    throw new ApiProblem('invalid-request', `A ${names[where]} is missing or not valid.`, {
      errors: fieldErrors(where, result.error),
    });
  }
  return result.data;
}

/** A request carries a body when it says so (Content-Length > 0 or chunked). */
export const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** 415 unless a body is JSON. */
export function requireJson(req: Request, _res: Response, next: () => void): void {
  if (hasBody(req) && !req.is(['application/json', 'application/*+json'])) {
    throw new ApiProblem('unsupported-media-type', 'Send the body as application/json.');
  }
  next();
}

export const jsonBody = express.json({
  limit: BODY_LIMIT_BYTES,
  type: ['application/json', 'application/*+json'],
  strict: true,
});

/** Where a field named by a service error lives for this route. */
function locator(spec: RouteSpec | undefined): (field: string) => FieldError['in'] {
  return (field) => {
    if (spec?.query && field in spec.query.shape) return 'query';
    if (spec?.params && field in spec.params.shape) return 'path';
    return 'body';
  };
}

export function mountRoutes(router: Router, ctx: AppContext, routes: readonly RouteSpec[]): void {
  for (const spec of routes) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      res.locals.route = spec;
      const actor = actorOf(res);
      checkRole(actor, spec.role);
      const params = spec.params ? validate(spec.params, { ...req.params }, 'path') : {};
      const query = validate(spec.query ?? emptyQuery, { ...(req.query as object) }, 'query');
      let body: unknown = {};
      if (spec.body) {
        body = validate(spec.body, req.body === undefined ? {} : req.body, 'body');
      } else if (hasBody(req)) {
        throw new ApiProblem('invalid-request', 'This operation takes no body.', {
          errors: [{ in: 'body', field: '(root)', message: 'must be empty' }],
        });
      }

      const run = async () => {
        const result = await spec.handler({ params, query, body, actor, ctx } as never);
        return { status: spec.status, body: spec.response ? serialize(spec, result) : null };
      };
      const key = spec.idempotent ? parseIdempotencyKey(req.headers['idempotency-key']) : undefined;
      const response = key
        ? await withIdempotency(
            ctx.db,
            {
              scope: `${actor.staffId}:${spec.operationId}`,
              key,
              hash: requestHash({ params, body }),
              now: ctx.now(),
            },
            run,
          )
        : { ...(await run()), replayed: false };
      if (response.replayed) res.setHeader('Idempotent-Replayed', 'true');
      if (response.status === 204) res.status(204).end();
      else res.status(response.status).json(response.body);
    });
  }
}

/** The handler's result as JSON, held to the documented schema (unknown fields never leave). */
function serialize(spec: RouteSpec, result: unknown): unknown {
  const json = JSON.parse(JSON.stringify(result ?? null));
  const parsed = spec.response!.safeParse(json);
  if (!parsed.success) {
    // A server bug (the service returned what the document does not say): never answer with it.
    throw Object.assign(new Error(`response of ${spec.operationId} does not match its schema`), {
      issues: parsed.error.issues.slice(0, 5),
    });
  }
  return parsed.data;
}

/** After the routes: 405 when the path exists with other methods, else 404. */
export function notFoundOrMethod(routes: readonly RouteSpec[]) {
  const matchers = routes.map((r) => ({ method: r.method, match: pathMatcher(r.path) }));
  return (req: Request) => {
    const allowed = [
      ...new Set(
        matchers
          .filter((m) => m.match.test(req.path))
          .map((m) => m.method.toUpperCase() as Uppercase<Method>),
      ),
    ];
    if (allowed.length > 0) {
      if (allowed.includes('GET' as never)) allowed.push('HEAD' as never);
      throw new ApiProblem('method-not-allowed', `${req.method} is not allowed here.`, { allow: allowed });
    }
    throw new ApiProblem('not-found', 'There is no such API route.');
  };
}

/** body-parser's error types, as problems. */
const PARSER_ERRORS: Record<string, ApiProblem> = {
  'entity.parse.failed': new ApiProblem(
    'malformed-json',
    'The body is not valid JSON (an object or an array).',
  ),
  'entity.too.large': new ApiProblem(
    'payload-too-large',
    `The body is larger than ${BODY_LIMIT_BYTES / 1024} KB.`,
  ),
  'charset.unsupported': new ApiProblem('unsupported-media-type', 'Send the body as UTF-8 JSON.'),
  'encoding.unsupported': new ApiProblem('unsupported-media-type', 'Content-Encoding is not supported.'),
  'request.size.invalid': new ApiProblem('invalid-request', 'The body does not match its Content-Length.'),
  'request.aborted': new ApiProblem('invalid-request', 'The request was aborted.'),
};

/** Other 4xx errors of express itself (e.g. a path parameter that is not valid percent-encoding). */
function clientError(error: unknown): ApiProblem | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500 || error instanceof ApiProblem)
    return undefined;
  if (status === 413) return PARSER_ERRORS['entity.too.large'];
  if (status === 415) return new ApiProblem('unsupported-media-type', 'Send the body as UTF-8 JSON.');
  return new ApiProblem('invalid-request', 'The request is not valid (check the encoding of the URL).');
}

export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const parserType = typeof error?.type === 'string' ? error.type : undefined;
  const known = error instanceof ApiProblem || isDomainError(error);
  const mapped = (parserType ? PARSER_ERRORS[parserType] : undefined) ?? clientError(error);
  if (!known && !mapped) req.log?.error({ err: error, issues: error?.issues }, 'staff api: unexpected error');
  if (res.headersSent) return;
  const requestId =
    typeof req.id === 'string' ? req.id : (res.getHeader('x-request-id') as string | undefined);
  sendProblem(res, mapped ?? error, requestId, locator(res.locals.route as RouteSpec | undefined));
};
