import type { ActionValue, Choice, Reply } from '../../dialogs/replies';

/** A WeCom menu item and a Teams button both fit 20 characters. */
export const LABEL_LIMIT = 20;
/** Card data and WeCom template-card keys stay small. */
export const VALUE_JSON_LIMIT = 1024;

function choicesOf(reply: Reply): { where: string; choice: Choice }[] {
  const tag = (where: string, list: Choice[] | undefined) =>
    (list ?? []).map((choice) => ({ where, choice }));
  switch (reply.kind) {
    case 'choices':
      return tag('choices', reply.choices);
    case 'form':
      return [...tag('form.submit', [reply.submit]), ...tag('form.secondary', reply.secondary)];
    case 'ticket':
      return tag('ticket.actions', reply.actions);
    case 'list':
      return [...tag('list.navigation', reply.navigation), ...tag('list.actions', reply.actions)];
    case 'figures':
      return [
        ...tag(
          'figures',
          reply.figures.map((f) => f.open),
        ),
        ...tag('figures.actions', reply.actions),
      ];
    default:
      return [];
  }
}

function valueProblems(where: string, value: ActionValue | undefined): string[] {
  if (!value || typeof value.action !== 'string' || value.action === '')
    return [`${where}: value without an action id`];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined && !['string', 'number', 'boolean'].includes(typeof v)) {
      problems.push(`${where}: value field "${key}" is not a plain string/number/boolean`);
    }
  }
  if (JSON.stringify(value).length > VALUE_JSON_LIMIT)
    problems.push(`${where}: value larger than ${VALUE_JSON_LIMIT} bytes`);
  return problems;
}

/**
 * What every channel renderer relies on, checked on a Reply: each action has a machine id (`action`)
 * with flat data, a short non-empty label, typed synonyms are strings; pressing one value means one
 * choice; list items open by id; pages past the first carry their cursor; forms have unique field ids.
 * Returns the problems found (empty = fine). Used by the renderer tests and the dialog transcripts.
 */
export function replyContractProblems(reply: Reply): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const { where, choice } of choicesOf(reply)) {
    const label = choice.label ?? '';
    if (label.trim() === '') problems.push(`${where}: empty label`);
    if ([...label].length > LABEL_LIMIT)
      problems.push(`${where}: label "${label}" longer than ${LABEL_LIMIT}`);
    problems.push(...valueProblems(`${where} "${label}"`, choice.value));
    if ((choice.synonyms ?? []).some((s) => typeof s !== 'string'))
      problems.push(`${where}: non-text synonym`);
    const key = JSON.stringify(choice.value);
    const other = seen.get(key);
    if (other !== undefined && reply.kind !== 'figures')
      problems.push(`${where}: "${label}" has the same value as "${other}"`);
    seen.set(key, label);
  }
  if (reply.kind === 'list') {
    for (const item of reply.items) {
      if (!item.id) problems.push('list.items: item without id');
      problems.push(...valueProblems(`list.items "${item.title}"`, item.open));
    }
    for (const nav of reply.navigation) {
      const page = Number(nav.value.page ?? 1);
      if (page > 1 && (typeof nav.value.cursor !== 'string' || nav.value.cursor === '')) {
        problems.push(`list.navigation "${nav.label}": page ${page} without its cursor`);
      }
    }
  }
  if (reply.kind === 'form') {
    const ids = reply.fields.map((f) => f.id);
    if (new Set(ids).size !== ids.length) problems.push('form: duplicate field ids');
    for (const f of reply.fields) {
      if (!f.id || !f.label) problems.push(`form field "${f.id}": id and label are required`);
      if (!f.errorMessage) problems.push(`form field "${f.id}": no validation message`);
      if (f.kind === 'choice' && f.options.length === 0) problems.push(`form field "${f.id}": no options`);
      if ((f.kind === 'text' || f.kind === 'textarea') && !(f.maxLength > 0)) {
        problems.push(`form field "${f.id}": no maxLength`);
      }
    }
    if (reply.submit.value.form !== undefined && reply.submit.value.form !== reply.formId) {
      problems.push('form: submit value names another form');
    }
  }
  if (reply.kind === 'link' && !/^https?:\/\//.test(reply.url)) problems.push('link: not an http(s) URL');
  return problems;
}
