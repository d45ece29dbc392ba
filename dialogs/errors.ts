import { hasMessage, t } from '../i18n';
import { isDomainError } from '../services/errors';
import { statusLabel } from './models';

/**
 * The one place a failure becomes words in chat. A DomainError is told by its code when the catalog
 * has a message for it (error.<code>), else by its kind (error.kind.<kind>); anything else is an
 * apology without internals. Details fill in the counts: attempts left, minutes to wait, the status.
 */
export function errorMessage(locale: string, error: unknown): string {
  if (!isDomainError(error)) return t(locale, 'error.unexpected');
  const details = error.details ?? {};
  const seconds = Number(details.retryAfterSeconds ?? 0);
  const params = {
    remaining: details.remainingAttempts === undefined ? undefined : Number(details.remainingAttempts),
    seconds,
    minutes: Math.max(1, Math.ceil(seconds / 60)),
    status: typeof details.status === 'string' ? statusLabel(locale, details.status) : '',
    field: typeof details.field === 'string' ? details.field : '',
  };
  let key = `error.${error.code}`;
  if (error.code === 'wrong_code' || error.code === 'wrong_credentials') {
    if (params.remaining !== undefined) key = params.remaining > 0 ? `${key}.remaining` : `${key}.none_left`;
  }
  if (hasMessage(key)) return t(locale, key, params);
  return t(locale, `error.kind.${error.kind}`, params);
}
