import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../../app/context';
import type { RateLimitDecision, RateLimiter } from '../../platform/rate-limit';
import type { StaffActor } from '../../services/contracts';
import { ApiProblem } from './problems';
import type { Role } from './registry';

export interface RateLimits {
  /** Requests per window for one bearer token. */
  perToken: number;
  /** Requests per window from one client address without a token (the public OpenAPI document). */
  perAddress: number;
  /** Failed authentications per window from one client address, before it is refused outright. */
  failedAuthPerAddress: number;
  windowSeconds: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  perToken: 600,
  perAddress: 120,
  failedAuthPerAddress: 20,
  windowSeconds: 60,
};

/** The authenticated staff member of this request (set by `authenticate`). */
export function actorOf(res: Response): StaffActor {
  const actor = res.locals.actor as StaffActor | undefined;
  if (!actor) throw new ApiProblem('unauthenticated', 'Authentication required.');
  return actor;
}

/** Rate-limit subjects never hold a token itself: a bearer token is reduced to a short hash first. */
export const tokenSubject = (token: string) =>
  `t:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;

const clientAddress = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

function setRateHeaders(res: Response, decision: RateLimitDecision): void {
  if (decision.resetSeconds === 0) return; // limiter unavailable: nothing true to say
  res.setHeader('RateLimit-Limit', String(decision.limit));
  res.setHeader('RateLimit-Remaining', String(decision.remaining));
  res.setHeader('RateLimit-Reset', String(decision.resetSeconds));
}

function refuse(decision: RateLimitDecision, what: string): ApiProblem {
  return new ApiProblem(
    'rate-limited',
    `Too many requests ${what}; retry after ${decision.resetSeconds} s.`,
    {
      retryAfterSeconds: decision.resetSeconds,
    },
  );
}

/** Limits requests without a token by client address. */
export function limitByAddress(limiter: RateLimiter, limits: RateLimits): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const decision = await limiter.hit(`ip:${clientAddress(req)}`, limits.perAddress, limits.windowSeconds);
    setRateHeaders(res, decision);
    if (!decision.allowed) throw refuse(decision, 'from this address');
    next();
  };
}

/**
 * `Authorization: Bearer <token>` -> the staff member, through services.staff.authenticate.
 * Per-token budget first (a token cannot hammer the database), and an address that keeps sending
 * bad tokens is refused before its guesses reach the database.
 */
export function authenticate(ctx: AppContext, limiter: RateLimiter, limits: RateLimits): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (!header) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="helpdesk-staff"');
      throw new ApiProblem('unauthenticated', 'Send an API token as `Authorization: Bearer <token>`.');
    }
    const match = /^Bearer +([\x21-\x7e]{1,512})$/i.exec(header);
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="helpdesk-staff", error="invalid_request"');
      throw new ApiProblem('unauthenticated', 'The Authorization header must be `Bearer <token>`.');
    }
    const token = match[1]!;
    const address = `auth-fail:${clientAddress(req)}`;
    const failures = await limiter.peek(address, limits.failedAuthPerAddress, limits.windowSeconds);
    if (!failures.allowed) throw refuse(failures, 'with invalid tokens from this address');

    const decision = await limiter.hit(tokenSubject(token), limits.perToken, limits.windowSeconds);
    setRateHeaders(res, decision);
    if (!decision.allowed) throw refuse(decision, 'for this token');

    const actor = await ctx.services.staff.authenticate(token);
    if (!actor) {
      await limiter.hit(address, limits.failedAuthPerAddress, limits.windowSeconds);
      res.setHeader('WWW-Authenticate', 'Bearer realm="helpdesk-staff", error="invalid_token"');
      throw new ApiProblem(
        'unauthenticated',
        'The token is unknown, revoked, or its staff member is inactive.',
      );
    }
    res.locals.actor = actor;
    next();
  };
}

/** admin may do everything an agent may. */
export function checkRole(actor: StaffActor, role: Role): void {
  if (role === 'admin' && actor.role !== 'admin') {
    throw new ApiProblem('forbidden', 'Only an admin may do this.', { code: 'admin_required' });
  }
}
