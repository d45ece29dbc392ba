import type { Activity } from 'botbuilder';
import { isStorableText, isStorableValue } from '../services/text';
import { parseAction } from './actions';

/**
 * The gate of every message before the dialogs see it:
 * - text or a card value PostgreSQL cannot store exactly (NUL, a lone surrogate) is 'unstorable';
 * - a pressed value (an object with a string `action`) must be one of ours (dialogs/actions.ts):
 *   otherwise 'outdated'; when it is, the activity carries the parsed value from here on, so flows
 *   only ever see values of the exact shape they made.
 */
export function screenInput(
  activity: Partial<Activity>,
  categories: readonly string[],
): 'ok' | 'unstorable' | 'outdated' {
  if (typeof activity.text === 'string' && !isStorableText(activity.text)) return 'unstorable';
  const value = activity.value as unknown;
  if (value === undefined || value === null) return 'ok';
  if (!isStorableValue(value)) return 'unstorable';
  if (typeof value !== 'object' || typeof (value as { action?: unknown }).action !== 'string') return 'ok';
  const parsed = parseAction(value, categories);
  if (!parsed) return 'outdated';
  activity.value = parsed;
  return 'ok';
}
