import type { Figure, ListQuery, Page, TicketSummary } from './contracts';
import type { Queryable } from './db/database';
import { invalidInput } from './errors';
import type { Viewer } from './ticket-access';
import {
  createdCursorSql,
  pageLimit,
  SUMMARY_COLUMNS,
  type SummaryRow,
  statusList,
  toPage,
} from './ticket-rows';

/**
 * F6 lists, newest first, by keyset on (created_at, id). Each scope reads one of the per-identity or
 * per-organization indexes; "all" for an identity without organization-wide rights is the union of
 * its own and its shared tickets, each side already limited, so the cost follows the page size.
 */
export async function listTickets(
  db: Queryable,
  viewer: Viewer,
  query: ListQuery,
): Promise<Page<TicketSummary>> {
  const limit = pageLimit(query.limit);
  const statuses = statusList(query.status);
  const params: unknown[] = [viewer.identityId];
  let filter = createdCursorSql(query.cursor, params);
  if (statuses) {
    params.push(statuses);
    filter += ` and t.status = any($${params.length}::text[])`;
  }
  if (query.resolvedSince !== undefined) {
    if (Number.isNaN(Date.parse(query.resolvedSince))) {
      throw invalidInput('resolvedSince', 'invalid_date', 'resolvedSince is not a date');
    }
    params.push(query.resolvedSince);
    filter += ` and t.resolved_at >= $${params.length}::timestamptz`;
  }
  params.push(limit + 1);
  const lim = `$${params.length}`;
  const order = 'order by t.created_at desc, t.id desc';
  const own = `select ${SUMMARY_COLUMNS} from tickets t
                where t.identity_id = $1 and t.status <> 'draft'${filter} ${order} limit ${lim}`;
  const shared = `select ${SUMMARY_COLUMNS} from ticket_shares s join tickets t on t.id = s.ticket_id
                   where s.identity_id = $1 and t.status <> 'draft'${filter} ${order} limit ${lim}`;
  let sql: string;
  switch (query.scope) {
    case 'drafts':
      sql = `select ${SUMMARY_COLUMNS} from tickets t
              where t.identity_id = $1 and t.status = 'draft'${filter} ${order} limit ${lim}`;
      break;
    case 'mine':
      sql = own;
      break;
    case 'shared':
      sql = shared;
      break;
    case 'all':
      if (viewer.orgWide) {
        // Own and shared tickets belong to the identity's organization too (shares never cross it).
        sql = `select ${SUMMARY_COLUMNS} from tickets t
                where t.organization_id = (select organization_id from identities where id = $1)
                  and t.status <> 'draft'${filter} ${order} limit ${lim}`;
      } else {
        sql = `select * from ((${own}) union (${shared})) t ${order} limit ${lim}`;
      }
      break;
    default:
      throw invalidInput('scope', 'invalid_scope', 'unknown list scope');
  }
  const { rows } = await db.query<SummaryRow>(sql, params);
  return toPage(rows, limit);
}

/**
 * F4 key figures in one grouped pass over the identity's (and, with organization-wide rights, the
 * organization's) open and recently resolved tickets. A rated ticket is closed at once, so
 * "resolved" and "resolved awaiting rating" are the same set.
 */
export async function figures(db: Queryable, viewer: Viewer, now: Date, timeZone: string): Promise<Figure[]> {
  const { rows } = await db.query<{
    scope: 'identity' | 'organization';
    waiting: number;
    in_progress: number;
    awaiting_rating: number;
    resolved_this_month: number;
    month_start: Date;
  }>(
    `with bounds as (
       select (date_trunc('month', $3::timestamptz at time zone $4) at time zone $4) as month_start
     ), scoped as (
       select t.status, t.resolved_at, s.scope
         from tickets t
         cross join lateral (values ('identity'), ('organization')) as s(scope)
        where (t.identity_id = $1 or ($5 and t.organization_id = $2))
          and (t.status in ('waiting', 'in_progress', 'resolved')
               or (t.status = 'closed' and t.resolved_at >= (select month_start from bounds)))
          and (s.scope = 'organization' and $5 or s.scope = 'identity' and t.identity_id = $1)
     )
     select s.scope,
            count(*) filter (where status = 'waiting') as waiting,
            count(*) filter (where status = 'in_progress') as in_progress,
            count(*) filter (where status = 'resolved') as awaiting_rating,
            count(*) filter (where status in ('resolved', 'closed')
                               and resolved_at >= (select month_start from bounds)) as resolved_this_month,
            (select month_start from bounds) as month_start
       from (values ('identity'), ('organization')) as s(scope)
       left join scoped using (scope)
      where s.scope = 'identity' or $5
      group by s.scope`,
    [viewer.identityId, viewer.organizationId, now, timeZone, viewer.orgWide],
  );
  const out: Figure[] = [];
  for (const scope of ['identity', 'organization'] as const) {
    const row = rows.find((r) => r.scope === scope);
    if (!row) continue;
    const list = scope === 'identity' ? 'mine' : 'all';
    out.push(
      { key: 'waiting', scope, count: row.waiting, drillDown: { scope: list, status: 'waiting' } },
      {
        key: 'in_progress',
        scope,
        count: row.in_progress,
        drillDown: { scope: list, status: 'in_progress' },
      },
      {
        key: 'awaiting_rating',
        scope,
        count: row.awaiting_rating,
        drillDown: { scope: list, status: 'resolved' },
      },
      {
        key: 'resolved_this_month',
        scope,
        count: row.resolved_this_month,
        drillDown: {
          scope: list,
          status: ['resolved', 'closed'],
          resolvedSince: row.month_start.toISOString(),
        },
      },
    );
  }
  return out;
}
