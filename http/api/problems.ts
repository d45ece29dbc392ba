import type { Response } from 'express';
import { z } from 'zod';
import { type DomainErrorKind, isDomainError } from '../../services/errors';

/**
 * Problem documents (RFC 9457). Every error the staff API answers is one of the kinds below, each
 * with a stable `type` URI (an anchor of the reference page, so a client can look it up), a fixed
 * `title` and status. `detail` and `errors` never carry internal facts (SQL, stack traces, secrets).
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

interface ProblemKind {
  status: number;
  title: string;
  /** When the reference page says it happens. */
  when: string;
}

export const PROBLEM_KINDS = {
  'invalid-request': {
    status: 400,
    title: 'Invalid request',
    when: 'A path parameter, query parameter or body field is missing or not valid; `errors` names each field.',
  },
  'malformed-json': { status: 400, title: 'Malformed JSON', when: 'The body is not a JSON object or array.' },
  unauthenticated: {
    status: 401,
    title: 'Authentication required',
    when: 'No bearer token, or an unknown, revoked or inactive one.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    when: 'The token is valid but its role may not do this (admin only).',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    when: 'No such route, or the object named in the path does not exist.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    when: 'The path exists but not with this method; `Allow` lists the methods.',
  },
  'invalid-state': {
    status: 409,
    title: 'Invalid state transition',
    when: 'The object is not in a state that allows this action (e.g. accepting a ticket that is not waiting).',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    when: 'A duplicate (login, WeCom or Teams user id already taken) or a repeated one-time action.',
  },
  'idempotency-key-in-use': {
    status: 409,
    title: 'Idempotency key in use',
    when: 'A request with this Idempotency-Key is still being processed; retry after `Retry-After` seconds.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Payload too large',
    when: 'The body is larger than the limit (64 KB).',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    when: 'A body was sent with a content type other than application/json (UTF-8).',
  },
  'idempotency-key-mismatch': {
    status: 422,
    title: 'Idempotency key reused',
    when: 'The Idempotency-Key was already used for a request with a different body.',
  },
  locked: { status: 423, title: 'Locked', when: 'The account is locked or disabled.' },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    when: 'The token (or, before authentication, the client address) exceeded its request budget; wait `Retry-After` seconds.',
  },
  internal: {
    status: 500,
    title: 'Internal error',
    when: 'An unexpected failure; the request id in `instance` helps the operators find it.',
  },
} as const satisfies Record<string, ProblemKind>;

export type ProblemType = keyof typeof PROBLEM_KINDS;

export const problemTypeUri = (type: ProblemType) => `/api/docs#problem-${type}`;

/** The one place where a domain error kind becomes an HTTP problem. */
const DOMAIN_KINDS: Record<DomainErrorKind, ProblemType> = {
  invalid_input: 'invalid-request',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  not_found: 'not-found',
  invalid_state: 'invalid-state',
  conflict: 'conflict',
  locked: 'locked',
  rate_limited: 'rate-limited',
};

export interface FieldError {
  /** Where the field is: the path, the query string, the body or a header. */
  in: 'path' | 'query' | 'body' | 'header';
  /** Dotted path inside that location, e.g. `identities.0.organizationId`. */
  field: string;
  message: string;
}

/** An error a handler or middleware throws to answer with a problem document. */
export class ApiProblem extends Error {
  constructor(
    readonly type: ProblemType,
    detail: string,
    readonly extra: {
      errors?: FieldError[];
      code?: string;
      retryAfterSeconds?: number;
      allow?: string[];
      currentStatus?: string;
    } = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }
}

export const ProblemSchema = z
  .object({
    type: z.string().describe('A stable URI naming the kind of problem (an anchor of /api/docs).'),
    title: z.string().describe('Short, fixed summary of the kind.'),
    status: z.int().describe('The HTTP status code.'),
    detail: z.string().describe('What went wrong with this request, safe to show.'),
    instance: z.string().optional().describe('The request id (urn:request:<id>), for support.'),
    code: z
      .string()
      .optional()
      .describe('A machine-readable reason, e.g. `login_taken`, `ticket_not_waiting`.'),
    currentStatus: z.string().optional().describe('For an invalid transition: the status the object is in.'),
    errors: z
      .array(
        z.object({
          in: z.enum(['path', 'query', 'body', 'header']),
          field: z.string(),
          message: z.string(),
        }),
      )
      .optional()
      .describe('The fields at fault.'),
  })
  .describe('An RFC 9457 problem document.');

export type Problem = z.output<typeof ProblemSchema>;

const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** Turns anything thrown into a problem document; unknown errors become a bare 500. */
export function toProblem(
  error: unknown,
  requestId?: string,
  /** Where a field a service names lives in this request (query, path, body). */
  locate: (field: string) => FieldError['in'] = () => 'body',
): { problem: Problem; retryAfterSeconds?: number; allow?: string[] } {
  const instance = requestId ? `urn:request:${requestId}` : undefined;
  if (error instanceof ApiProblem) {
    const kind = PROBLEM_KINDS[error.type];
    return {
      problem: {
        type: problemTypeUri(error.type),
        title: kind.title,
        status: kind.status,
        detail: clip(error.message, 500),
        instance,
        code: error.extra.code,
        currentStatus: error.extra.currentStatus,
        errors: error.extra.errors?.map((e) => ({
          ...e,
          field: clip(e.field, 100),
          message: clip(e.message),
        })),
      },
      retryAfterSeconds: error.extra.retryAfterSeconds,
      allow: error.extra.allow,
    };
  }
  if (isDomainError(error)) {
    const type = DOMAIN_KINDS[error.kind];
    const kind = PROBLEM_KINDS[type];
    const field = typeof error.details.field === 'string' ? error.details.field : undefined;
    const status = typeof error.details.status === 'string' ? error.details.status : undefined;
    const retry = Number(error.details.retryAfterSeconds);
    return {
      problem: {
        type: problemTypeUri(type),
        title: kind.title,
        status: kind.status,
        // Domain messages are written for API details and never hold secrets (services/errors.ts).
        detail: clip(error.message, 500),
        instance,
        code: error.code,
        currentStatus: status,
        errors: field ? [{ in: locate(field), field, message: clip(error.message) }] : undefined,
      },
      retryAfterSeconds: Number.isFinite(retry) && retry > 0 ? Math.ceil(retry) : undefined,
    };
  }
  const kind = PROBLEM_KINDS.internal;
  return {
    problem: {
      type: problemTypeUri('internal'),
      title: kind.title,
      status: kind.status,
      detail: 'The request could not be completed.',
      instance,
    },
  };
}

export function sendProblem(
  res: Response,
  error: unknown,
  requestId?: string,
  locate?: (field: string) => FieldError['in'],
): void {
  const { problem, retryAfterSeconds, allow } = toProblem(error, requestId, locate);
  if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
  if (allow) res.setHeader('Allow', allow.join(', '));
  res
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(dropUndefined(problem)));
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
