import { z } from 'zod';

/**
 * Text hygiene at every boundary (API bodies, chat input, card values, web forms): PostgreSQL text and
 * jsonb cannot hold U+0000, and a lone UTF-16 surrogate is not a character at all (it would be stored
 * as U+FFFD, silently changing what the user typed). Such input is refused where it arrives, with a
 * clear answer, before anything is stored.
 */
const NUL = '\u0000';

/** True when PostgreSQL can store the string exactly as given. */
export function isStorableText(value: string): boolean {
  return !value.includes(NUL) && value.isWellFormed();
}

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL or unpaired surrogate characters';

/** The one refinement every text schema uses: `storableString()` instead of `z.string()`. */
export function storableString(): z.ZodString {
  return z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
}

/** Every string inside a value (object keys included), depth-first. */
export function* stringsOf(value: unknown, depth = 0): Generator<string> {
  if (depth > 32) return;
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* stringsOf(item, depth + 1);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      yield key;
      yield* stringsOf(item, depth + 1);
    }
  }
}

/** True when every string inside `value` is storable. */
export function isStorableValue(value: unknown): boolean {
  for (const s of stringsOf(value)) if (!isStorableText(s)) return false;
  return true;
}

/** A copy with NUL removed and lone surrogates replaced by U+FFFD: for metadata we keep but never show as typed. */
export function toStorable<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return value.replaceAll(NUL, '').toWellFormed() as T;
  if (depth > 32 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => toStorable(item, depth + 1)) as T;
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[toStorable(key)] = toStorable(item, depth + 1);
  return out as T;
}
