/**
 * Typed domain errors. Each kind maps to one message in chat (by `code`, through the bot's catalogs)
 * and one HTTP status in the staff API. `message` is for logs and API details: never a secret.
 */
export type DomainErrorKind =
  | 'not_found'
  | 'forbidden'
  | 'invalid_state'
  | 'invalid_input'
  | 'conflict'
  | 'rate_limited'
  | 'unauthenticated'
  | 'locked';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** A stable machine-readable reason, e.g. 'wrong_credentials', 'code_expired', 'ticket_not_waiting'. */
    readonly code: string,
    message: string,
    /** Safe extra facts for the caller: the field at fault, seconds to wait, the current status. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, details?: Record<string, unknown>) =>
  new DomainError('not_found', `${what}_not_found`, `${what} not found`, details);

export const forbidden = (code: string, message = 'not allowed for this identity') =>
  new DomainError('forbidden', code, message);

export const invalidState = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid_state', code, message, details);

export const invalidInput = (field: string, code: string, message: string) =>
  new DomainError('invalid_input', code, message, { field });

export const rateLimited = (code: string, retryAfterSeconds: number) =>
  new DomainError('rate_limited', code, 'too many requests', { retryAfterSeconds });

export function isDomainError(error: unknown, kind?: DomainErrorKind): error is DomainError {
  return error instanceof DomainError && (kind === undefined || error.kind === kind);
}
