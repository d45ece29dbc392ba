import type { z } from 'zod';
import type { AppContext } from '../../app/context';
import type { StaffActor } from '../../services/contracts';

/**
 * One description per route: method, path, role, the zod schemas of its path, query and body, and
 * its success response. The router (router.ts) validates with these schemas and the OpenAPI
 * document (openapi.ts) is generated from them, so the two cannot drift apart.
 */

export type Role = 'agent' | 'admin';
export type Method = 'get' | 'post' | 'patch' | 'delete';

export type AnyObject = z.ZodObject<z.ZodRawShape>;
type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export interface HandlerInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  actor: StaffActor;
  ctx: AppContext;
}

export interface RouteSpec<
  P extends AnyObject | undefined = AnyObject | undefined,
  Q extends AnyObject | undefined = AnyObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  operationId: string;
  method: Method;
  /** Express syntax relative to /api/v1, e.g. `/accounts/:accountId`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The least role allowed; admin may do everything an agent may. */
  role: Role;
  params?: P;
  query?: Q;
  body?: B;
  /** The success status; 204 answers without a body. */
  status: 200 | 201 | 202 | 204;
  /** The success body; the handler's result is checked against it and stripped of unknown fields. */
  response?: z.ZodType;
  /** Honours Idempotency-Key (POSTs that create something). */
  idempotent?: boolean;
  /** Documents 409 for routes that can hit an invalid transition or a duplicate. */
  conflicts?: boolean;
  /** Documents 404 for routes whose target may not exist beyond their path ids (e.g. a body reference). */
  notFound?: boolean;
  handler(input: HandlerInput<P, Q, B>): Promise<unknown>;
}

/** Keeps the schema types flowing into the handler while collecting routes into one list. */
export function defineRoute<
  P extends AnyObject | undefined = undefined,
  Q extends AnyObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** `/tickets/:ticket/accept` -> `/tickets/{ticket}/accept` (OpenAPI path template). */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** A matcher for one route path, to tell 404 (no such path) from 405 (path exists, other method). */
export function pathMatcher(path: string): RegExp {
  const pattern = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`);
}
