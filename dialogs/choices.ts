import { type KeywordGroup, words } from './keywords';
import type { ActionValue, Choice } from './replies';

/** A button: short label, machine value, typed synonyms (keyword groups in both languages plus extras). */
export function choice(
  label: string,
  value: ActionValue,
  options: { keywords?: KeywordGroup[]; synonyms?: string[]; style?: Choice['style'] } = {},
): Choice {
  const synonyms = [...(options.keywords ?? []).flatMap((g) => words(g)), ...(options.synonyms ?? [])];
  const out: Choice = { label: label.length > 20 ? `${label.slice(0, 19)}…` : label, value };
  if (synonyms.length > 0) out.synonyms = synonyms;
  if (options.style) out.style = options.style;
  return out;
}
