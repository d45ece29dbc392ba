import type { Priority, ReplyChannel, TicketStatus, TicketSummary } from './contracts';
import { invalidInput } from './errors';

/**
 * The ticket row as the services read it, the column list that selects it, and small pure helpers
 * (summary mapping, opaque keyset cursors) shared by the customer and staff ticket services.
 */
export interface TicketRow {
  id: string;
  number: string | null;
  account_id: string;
  identity_id: string;
  organization_id: string;
  title: string;
  description: string;
  category: string | null;
  priority: Priority | null;
  queue_rank: number | null;
  queue: string | null;
  reply_channel: ReplyChannel | null;
  status: TicketStatus;
  submitted_at: Date | null;
  accepted_at: Date | null;
  accepted_by: string | null;
  resolved_at: Date | null;
  resolution: string | null;
  closed_at: Date | null;
  last_milestone: number | null;
  /** The key of the chat flow that filed it (a replayed turn finds its own ticket again). */
  client_key: string | null;
  created_at: Date;
  updated_at: Date;
}

export const TICKET_COLUMNS = [
  'id',
  'number',
  'account_id',
  'identity_id',
  'organization_id',
  'title',
  'description',
  'category',
  'priority',
  'queue_rank',
  'queue',
  'reply_channel',
  'status',
  'submitted_at',
  'accepted_at',
  'accepted_by',
  'resolved_at',
  'resolution',
  'closed_at',
  'last_milestone',
  'client_key',
  'created_at',
  'updated_at',
]
  .map((c) => `t.${c}`)
  .join(', ');

/** The summary columns plus the exact (microsecond) sort key, so cursors never skip or repeat rows. */
export const SUMMARY_COLUMNS =
  `t.id, t.number, t.title, t.status, t.priority, t.created_at, t.updated_at, ` +
  `to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as sort_at`;

export interface SummaryRow {
  id: string;
  number: string | null;
  title: string;
  status: TicketStatus;
  priority: Priority | null;
  created_at: Date;
  updated_at: Date;
  sort_at: string;
}

export function toSummary(row: SummaryRow | TicketRow): TicketSummary {
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    status: row.status,
    priority: row.priority,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const STATUSES: readonly TicketStatus[] = [
  'draft',
  'waiting',
  'in_progress',
  'resolved',
  'closed',
  'cancelled',
];

export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 50;

export function pageLimit(limit: number | undefined, fallback = DEFAULT_LIMIT): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1)
    throw invalidInput('limit', 'invalid_limit', 'limit must be a positive integer');
  return Math.min(limit, MAX_LIMIT);
}

/** Cursors are opaque to callers: base64url of a JSON array of the last row's sort key. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => typeof k === 'string' || typeof k === 'number')
    ) {
      return key as (string | number)[];
    }
  } catch {
    // fall through: a malformed cursor is the caller's input error
  }
  throw invalidInput('cursor', 'invalid_cursor', 'cursor is not valid');
}

/**
 * Pages summary rows fetched with limit + 1: the extra row only says there is a next page.
 * The cursor is (created_at, id) of the last row returned.
 */
export function toPage(rows: SummaryRow[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toSummary),
    nextCursor: rows.length > limit && last ? encodeCursor([last.sort_at, last.id]) : null,
  };
}

/** Appends the keyset predicate for `order by t.created_at desc, t.id desc` to a where list. */
export function createdCursorSql(cursor: string | undefined, params: unknown[]): string {
  if (!cursor) return '';
  const [at, id] = decodeCursor(cursor, 2);
  if (typeof at !== 'string' || typeof id !== 'string' || !isUuid(id) || Number.isNaN(Date.parse(at))) {
    throw invalidInput('cursor', 'invalid_cursor', 'cursor is not valid');
  }
  params.push(at, id);
  return ` and (t.created_at, t.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
}

export function statusList(status: TicketStatus | TicketStatus[] | undefined): TicketStatus[] | undefined {
  if (status === undefined) return undefined;
  const list = Array.isArray(status) ? status : [status];
  for (const s of list) {
    if (!STATUSES.includes(s)) throw invalidInput('status', 'invalid_status', 'unknown ticket status');
  }
  return list.length === 0 ? undefined : list;
}
