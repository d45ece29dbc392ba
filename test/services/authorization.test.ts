import type {
  CustomerActor,
  DraftFields,
  ListQuery,
  Priority,
  StaffActor,
  TicketAction,
  TicketDetails,
  TicketStatus,
  TicketSummary,
} from '../../services/contracts';
import { PRIORITIES } from '../../services/contracts';
import type { Database } from '../../services/db/database';
import { type DomainErrorKind, isDomainError } from '../../services/errors';
import { createServices } from '../../services/index';
import { TEST_SCRYPT } from '../../services/passwords';
import { describeEachDriver } from '../support/db';
import {
  addIdentity,
  CATEGORIES,
  createCustomer,
  createOrganization,
  createStaff,
} from '../support/fixtures';
import { Prng, seedFrom } from '../support/prng';

/**
 * Item 8 "Authorization everywhere" (F3, F6, F7) as a property: random organizations, accounts,
 * identities, tickets in every state and shares, then thousands of random customer-side reads and
 * writes checked against an independent model of who may see and do what:
 *   - an identity sees its own tickets, tickets shared with it, and (organization-wide) every
 *     non-draft ticket of its organization; a draft only by its author; an unbound identity (or an
 *     identity presented with another account) sees nothing;
 *   - every refused write leaves every ticket row, timeline, share, rating, attachment, binding and
 *     the outbox exactly as they were; an allowed write changes only its own ticket;
 *   - every list (each scope, status filter, page size) returns exactly the model's tickets, newest
 *     first, and the key figures match the model and their drill-down lists.
 * A failure prints AUTHZ_SEED; `AUTHZ_SEED=<n> npx jest test/services/authorization` replays it.
 * AUTHZ_OPS overrides the number of operations per driver.
 */

const SEED = seedFrom('AUTHZ_SEED');
// About 25 s on PGlite, 20 s on the Postgres server (on an idle machine).
const OPS: Record<string, number> = {
  pglite: Number(process.env.AUTHZ_OPS ?? 2500),
  postgres: Number(process.env.AUTHZ_OPS ?? 4000),
};

const DAY = 24 * 60 * 60 * 1000;
const WINDOW_DAYS = 7;
const OPEN: readonly TicketStatus[] = ['waiting', 'in_progress', 'resolved'];
const STATUSES: readonly TicketStatus[] = [
  'draft',
  'waiting',
  'in_progress',
  'resolved',
  'closed',
  'cancelled',
];
const RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
/** Shanghai (the services' default time zone) has no daylight saving: month starts are UTC+8 midnights. */
const SHANGHAI_MS = 8 * 60 * 60 * 1000;

type Outcome = 'ok' | DomainErrorKind;

// ------------------------------------------------------------------------------------ the model

interface MIdentity {
  id: string;
  accountId: string;
  orgId: string;
  orgWide: boolean;
  unbound: boolean;
}

interface MAccount {
  id: string;
  chatUserId: string;
  identities: string[];
  /** The chat binding's active identity. */
  active: string | null;
}

interface MTicket {
  id: string;
  number: string | null;
  owner: string;
  orgId: string;
  status: TicketStatus;
  shares: Set<string>;
  rated: boolean;
  category: string | null;
  priority: Priority;
  createdAt: number;
  submittedAt: number | null;
  resolvedAt: number | null;
  deleted: boolean;
}

interface Access {
  owner: boolean;
  /** Owner, or organization-wide identity of the ticket's organization. */
  manager: boolean;
}

class Model {
  readonly identities = new Map<string, MIdentity>();
  readonly accounts = new Map<string, MAccount>();
  readonly tickets: MTicket[] = [];
  readonly byId = new Map<string, MTicket>();

  /** The identity the actor acts as, or undefined when it may not act at all. */
  viewer(actor: CustomerActor): MIdentity | undefined {
    const i = this.identities.get(actor.identityId);
    return i && !i.unbound && i.accountId === actor.accountId ? i : undefined;
  }

  visible(v: MIdentity, t: MTicket): boolean {
    if (t.deleted) return false;
    if (t.owner === v.id) return true;
    if (t.status === 'draft') return false;
    return t.shares.has(v.id) || (v.orgWide && v.orgId === t.orgId);
  }

  access(v: MIdentity, t: MTicket): Access {
    const owner = t.owner === v.id;
    return { owner, manager: owner || (v.orgWide && v.orgId === t.orgId) };
  }

  /** The outcome of a ticket operation: unknown actor, then visibility, then the operation's own rule. */
  ticketOutcome(
    actor: CustomerActor,
    t: MTicket | undefined,
    rule: (t: MTicket, v: MIdentity, a: Access) => Outcome,
  ): Outcome {
    const v = this.viewer(actor);
    if (!v) return 'forbidden';
    if (!t || !this.visible(v, t)) return 'not_found';
    return rule(t, v, this.access(v, t));
  }

  withinWindow(t: MTicket, now: number): boolean {
    return t.resolvedAt !== null && now - t.resolvedAt < WINDOW_DAYS * DAY;
  }

  actions(t: MTicket, a: Access, now: number): TicketAction[] {
    const manage = (list: TicketAction[]) => (a.manager ? list : []);
    switch (t.status) {
      case 'draft':
        return a.owner ? ['submit', 'edit', 'delete'] : [];
      case 'waiting':
        return ['queue', ...manage(['cancel']), 'supplement', 'share'];
      case 'in_progress':
        return ['supplement', 'share'];
      case 'resolved':
        return !t.rated && this.withinWindow(t, now) ? [...manage(['rate', 'reopen']), 'share'] : ['share'];
      default:
        return [];
    }
  }

  /** F6 lists, newest first. */
  list(v: MIdentity, scope: string, statuses: TicketStatus[] | undefined): MTicket[] {
    const inScope = (t: MTicket): boolean => {
      if (t.deleted) return false;
      const own = t.owner === v.id;
      switch (scope) {
        case 'drafts':
          return own && t.status === 'draft';
        case 'mine':
          return own && t.status !== 'draft';
        case 'shared':
          return t.shares.has(v.id) && t.status !== 'draft';
        default:
          return t.status !== 'draft' && (own || t.shares.has(v.id) || (v.orgWide && t.orgId === v.orgId));
      }
    };
    return this.tickets
      .filter((t) => inScope(t) && (!statuses || statuses.includes(t.status)))
      .sort((a, b) => b.createdAt - a.createdAt || (b.id > a.id ? 1 : -1));
  }

  queuePosition(t: MTicket): { queue: string; position: number; waiting: number } {
    const key = (x: MTicket) => [RANK[x.priority], x.submittedAt!, x.id] as const;
    const line = this.tickets
      .filter((x) => !x.deleted && x.status === 'waiting' && x.category === t.category)
      .sort((a, b) => {
        const [ra, sa, ia] = key(a);
        const [rb, sb, ib] = key(b);
        return ra - rb || sa - sb || (ia < ib ? -1 : ia > ib ? 1 : 0);
      });
    return { queue: t.category!, position: line.indexOf(t) + 1, waiting: line.length };
  }

  figures(v: MIdentity, now: number): [string, string, number][] {
    const monthStart = shanghaiMonthStart(now);
    const count = (set: MTicket[]) => ({
      waiting: set.filter((t) => t.status === 'waiting').length,
      in_progress: set.filter((t) => t.status === 'in_progress').length,
      awaiting_rating: set.filter((t) => t.status === 'resolved').length,
      resolved_this_month: set.filter(
        (t) => (t.status === 'resolved' || t.status === 'closed') && (t.resolvedAt ?? 0) >= monthStart,
      ).length,
    });
    const live = this.tickets.filter((t) => !t.deleted && t.status !== 'draft');
    const scopes: [string, MTicket[]][] = [['identity', live.filter((t) => t.owner === v.id)]];
    if (v.orgWide) scopes.push(['organization', live.filter((t) => t.orgId === v.orgId)]);
    return scopes.flatMap(([scope, set]) =>
      Object.entries(count(set)).map(([key, n]) => [scope, key, n] as [string, string, number]),
    );
  }

  /** Identities bound in the viewer's organization, of other accounts (share targets). */
  colleagues(actor: CustomerActor, v: MIdentity): string[] {
    return [...this.identities.values()]
      .filter((i) => !i.unbound && i.orgId === v.orgId && i.accountId !== actor.accountId)
      .map((i) => i.id)
      .sort();
  }

  validShareTarget(t: MTicket, v: MIdentity, target: string): boolean {
    const i = this.identities.get(target);
    return !!i && !i.unbound && i.orgId === t.orgId && i.id !== t.owner && i.id !== v.id;
  }

  /** Staff unbind: bindings acting as it fall back to the only remaining identity, or to none. */
  unbind(identityId: string): void {
    const i = this.identities.get(identityId)!;
    i.unbound = true;
    const account = this.accounts.get(i.accountId)!;
    if (account.active === identityId) {
      const remaining = account.identities.filter((id) => !this.identities.get(id)!.unbound);
      account.active = remaining.length === 1 ? remaining[0]! : null;
    }
  }

  addTicket(t: MTicket): void {
    this.tickets.push(t);
    this.byId.set(t.id, t);
  }
}

function shanghaiMonthStart(at: number): number {
  const local = new Date(at + SHANGHAI_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - SHANGHAI_MS;
}

// ------------------------------------------------------------------------------------ database snapshot

interface Snapshot {
  /** Per ticket: status, shares and rating (to reconcile with the model) and a digest of everything it owns. */
  tickets: Map<string, { status: TicketStatus; shares: string[]; rated: boolean; digest: string }>;
  /** Per chat binding: active identity and a digest of the row. */
  bindings: Map<string, { active: string | null; digest: string }>;
  /** Identities, number counters and the outbox. */
  rest: string;
}

/**
 * One statement, one row of packed text (row marshalling, not the scan, is what costs on PGlite).
 * A row's xmin changes with every update that touches it, even to equal values, so it detects any
 * write; events, attachments and the outbox are append-only: a count and the highest id suffice.
 */
async function snapshot(db: Database): Promise<Snapshot> {
  const { rows } = await db.query<{ tickets: string | null; bindings: string | null; rest: string }>(
    `with ev as (select ticket_id, count(*) as n, max(id) as m from ticket_events group by ticket_id),
          sh as (select ticket_id, string_agg(identity_id::text || '>' || shared_by::text || '>' || xmin::text, ','
                                              order by identity_id) as ids
                   from ticket_shares group by ticket_id),
          att as (select ticket_id, count(*) as n from ticket_attachments group by ticket_id)
     select
       (select string_agg(concat_ws(' ', t.id, t.status, coalesce(sh.ids, '-'), (r.ticket_id is not null)::text,
                 concat_ws(':', t.xmin, ev.n, ev.m, r.xmin, att.n)), ';')
          from tickets t
          left join ev on ev.ticket_id = t.id
          left join sh on sh.ticket_id = t.id
          left join att on att.ticket_id = t.id
          left join ticket_ratings r on r.ticket_id = t.id) as tickets,
       (select string_agg(concat_ws(' ', b.chat_user_id, coalesce(b.active_identity_id::text, '-'), b.xmin), ';')
          from chat_bindings b) as bindings,
       concat_ws(':', (select string_agg(i.id || '>' || i.xmin, ',' order by i.id) from identities i),
                 (select string_agg(c.day || '>' || c.last, ',' order by c.day) from ticket_number_counters c),
                 (select count(*) || '>' || coalesce(max(id), 0) from outbox)) as rest`,
  );
  const row = rows[0]!;
  const split = (packed: string | null) => (packed ? packed.split(';').map((entry) => entry.split(' ')) : []);
  return {
    tickets: new Map(
      split(row.tickets).map(([id, status, shares, rated, digest]) => [
        id!,
        {
          status: status as TicketStatus,
          shares: shares === '-' ? [] : shares!.split(',').map((s) => s.split('>')[0]!),
          rated: rated === 'true',
          digest: `${shares}:${digest}`,
        },
      ]),
    ),
    bindings: new Map(
      split(row.bindings).map(([chat, active, digest]) => [
        chat!,
        { active: active === '-' ? null : active!, digest: digest! },
      ]),
    ),
    rest: row.rest,
  };
}

/** What changed between two snapshots, except the ticket / binding the operation was allowed to change. */
function differences(
  before: Snapshot,
  after: Snapshot,
  allowed: { ticket?: string; binding?: string; newTickets?: boolean; rest?: boolean } = {},
): string[] {
  const out: string[] = [];
  for (const [id, b] of before.tickets) {
    const a = after.tickets.get(id);
    if (id === allowed.ticket) continue;
    if (!a) out.push(`ticket ${id} disappeared`);
    else if (a.digest !== b.digest) out.push(`ticket ${id} changed (${b.status} -> ${a.status})`);
  }
  for (const id of after.tickets.keys()) {
    if (!before.tickets.has(id) && !allowed.newTickets) out.push(`ticket ${id} appeared`);
  }
  for (const [chat, b] of before.bindings) {
    if (chat !== allowed.binding && after.bindings.get(chat)?.digest !== b.digest) {
      out.push(`chat binding ${chat} changed`);
    }
  }
  if (after.bindings.size !== before.bindings.size) out.push('chat bindings added or removed');
  if (!allowed.rest && after.rest !== before.rest) out.push('identities, number counters or outbox changed');
  return out;
}

// ------------------------------------------------------------------------------------ the run

describeEachDriver('authorization everywhere: random reads and writes stay in scope (F3, F6, F7)', (ctx) => {
  it('never returns or changes anything outside the acting identity, and shows everything inside it', async () => {
    await new Run(ctx.db, SEED).go(OPS[ctx.driver] ?? 2500);
  }, 240_000);
});

class Run {
  private readonly prng: Prng;
  private readonly model = new Model();
  private clock = Date.UTC(2031, 1, 18, 2, 0, 0); // 18 Feb 2031, 10:00 in Shanghai
  private readonly services: ReturnType<typeof createServices>;
  private staff!: StaffActor;
  private last!: Snapshot;
  private step = 0;
  private readonly trace: string[] = [];
  readonly stats = new Map<string, Map<Outcome, number>>();

  constructor(
    private readonly db: Database,
    private readonly seed: number,
  ) {
    this.prng = new Prng(seed);
    this.services = createServices(db, {
      categories: CATEGORIES,
      ratingWindowDays: WINDOW_DAYS,
      ratingReminderHours: 24,
      now: () => new Date(this.clock),
      scrypt: TEST_SCRYPT,
    });
  }

  async go(operations: number): Promise<void> {
    try {
      await this.build();
      this.last = await snapshot(this.db);
      this.reconcile(this.last);
      this.checkSetupCoverage();
      for (this.step = 1; this.step <= operations; this.step++) {
        this.clock += 1000;
        // Now and then days pass: rating windows close, "this month" moves on.
        if (this.prng.chance(0.002)) this.clock += this.prng.between(1, 3) * DAY;
        await this.randomOperation();
      }
      if (process.env.AUTHZ_VERBOSE) {
        const table = [...this.stats].map(
          ([op, outcomes]) => `${op}: ${JSON.stringify(Object.fromEntries(outcomes))}`,
        );
        console.log(`AUTHZ_SEED=${this.seed}, ${operations} operations\n${table.join('\n')}`);
      }
      this.checkOperationCoverage();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const wrapped = new Error(
        `AUTHZ_SEED=${this.seed} failed at step ${this.step}: ${message}\nlast operations:\n  ${this.trace
          .slice(-12)
          .join('\n  ')}`,
      );
      wrapped.stack = `${wrapped.message}\n${error instanceof Error ? error.stack : ''}`;
      throw wrapped;
    }
  }

  private fail(message: string): never {
    throw new Error(message);
  }

  private record(op: string, outcome: Outcome): void {
    const byOutcome = this.stats.get(op) ?? new Map<Outcome, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.stats.set(op, byOutcome);
  }

  private async attempt<T>(fn: () => Promise<T>): Promise<{ outcome: Outcome; value?: T; error?: unknown }> {
    try {
      return { outcome: 'ok', value: await fn() };
    } catch (error) {
      if (isDomainError(error)) return { outcome: error.kind, error };
      throw error;
    }
  }

  private expectOutcome(label: string, expected: Outcome, got: { outcome: Outcome; error?: unknown }): void {
    if (got.outcome !== expected) {
      const detail = isDomainError(got.error) ? ` (${got.error.code}: ${got.error.message})` : '';
      this.fail(`${label}: expected ${expected}, got ${got.outcome}${detail}`);
    }
  }

  // ---------------------------------------------------------------------------------- building

  private tick(): void {
    this.clock += 1000;
  }

  private actorOf(identityId: string): CustomerActor {
    return { accountId: this.model.identities.get(identityId)!.accountId, identityId };
  }

  private async build(): Promise<void> {
    const { prng, model, db } = this;
    this.staff = await createStaff(db);
    const orgs: string[] = [];
    for (let i = 0; i < 3; i++) orgs.push(await createOrganization(db, `Org ${i}`));
    let n = 0;
    for (let a = 0; a < 9; a++) {
      // Each account: one identity from the fixture (bound on a web chat), up to two more, any organization.
      // The first account always has organization-wide rights, so every run exercises them.
      const orgWide = a === 0 || prng.chance(0.3);
      const first = await createCustomer(db, prng.pick(orgs), { orgWide, displayName: `Contact ${n++}` });
      const account: MAccount = {
        id: first.accountId,
        chatUserId: first.chat.chatUserId,
        identities: [first.identityId],
        active: first.identityId,
      };
      model.accounts.set(account.id, account);
      model.identities.set(first.identityId, {
        id: first.identityId,
        accountId: account.id,
        orgId: first.organizationId,
        orgWide,
        unbound: false,
      });
      for (let k = prng.int(3); k > 0; k--) {
        const orgId = prng.pick(orgs);
        const wide = prng.chance(0.3);
        const id = await addIdentity(db, account.id, orgId, { orgWide: wide, displayName: `Contact ${n++}` });
        account.identities.push(id);
        model.identities.set(id, { id, accountId: account.id, orgId, orgWide: wide, unbound: false });
      }
    }
    // Three periods: last month, earlier this month (rating window passed), and now.
    const targets = [
      'draft',
      'waiting',
      'in_progress',
      'resolved',
      'rated',
      'closed',
      'cancelled',
      'reopened',
    ];
    const periods = [Date.UTC(2031, 1, 18, 2), Date.UTC(2031, 2, 10, 2), Date.UTC(2031, 2, 20, 2)];
    for (const [p, start] of periods.entries()) {
      this.clock = start;
      const count = p === 2 ? 45 : 12;
      for (let i = 0; i < count; i++) {
        const owner = prng.pick([...model.identities.values()]);
        await this.makeTicket(owner.id, i < targets.length ? targets[i]! : prng.pick(targets));
      }
    }
    // Unbind some identities after they made and received tickets; keep at least one per account usually.
    const keep = [...model.identities.keys()][0];
    for (const i of prng.sample(
      [...model.identities.values()].filter((i) => i.id !== keep),
      3,
    )) {
      await this.services.identities.unbind(this.staff, i.id);
      model.unbind(i.id);
      this.tick();
    }
  }

  private draftFields(identityId: string, complete: boolean): DraftFields {
    const account = this.model.accounts.get(this.model.identities.get(identityId)!.accountId)!;
    return {
      title: `Ticket ${this.prng.int(1_000_000)}`,
      description: 'Something is broken.',
      category: complete ? this.prng.pick(CATEGORIES) : undefined,
      priority: this.prng.pick(PRIORITIES),
      replyChannel: { kind: 'chat', channel: 'web', chatUserId: account.chatUserId },
    };
  }

  /** A ticket brought to a target state through the real customer and staff services. */
  private async makeTicket(owner: string, target: string): Promise<void> {
    const { services, model, prng } = this;
    const actor = this.actorOf(owner);
    const complete = target !== 'draft' || prng.chance(0.6);
    const fields = this.draftFields(owner, complete);
    const draft = await services.tickets.createDraft(actor, fields);
    const t: MTicket = {
      id: draft.id,
      number: null,
      owner,
      orgId: model.identities.get(owner)!.orgId,
      status: 'draft',
      shares: new Set(),
      rated: false,
      category: fields.category ?? null,
      priority: fields.priority!,
      createdAt: this.clock,
      submittedAt: null,
      resolvedAt: null,
      deleted: false,
    };
    model.addTicket(t);
    this.tick();
    if (target === 'draft') return;
    const { ticket } = await services.tickets.submit(actor, t.id);
    Object.assign(t, { status: 'waiting', number: ticket.number, submittedAt: this.clock });
    this.tick();
    const colleagues = [...model.identities.values()].filter(
      (i) => i.orgId === t.orgId && i.id !== owner && !i.unbound,
    );
    for (const colleague of prng.sample(colleagues, prng.int(3))) {
      await services.tickets.share(actor, t.id, colleague.id);
      t.shares.add(colleague.id);
      this.tick();
    }
    if (target === 'waiting') return;
    if (target === 'cancelled') {
      await services.tickets.cancel(actor, t.id);
      t.status = 'cancelled';
      return this.tick();
    }
    await services.staffTickets.accept(this.staff, t.id);
    t.status = 'in_progress';
    this.tick();
    if (target === 'in_progress') return;
    await services.staffTickets.resolve(this.staff, t.id, 'Replaced the part.');
    Object.assign(t, { status: 'resolved', resolvedAt: this.clock });
    this.tick();
    if (target === 'rated') {
      await services.tickets.rate(actor, t.id, prng.between(1, 5));
      Object.assign(t, { status: 'closed', rated: true });
    } else if (target === 'closed') {
      await services.staffTickets.close(this.staff, t.id);
      t.status = 'closed';
    } else if (target === 'reopened') {
      await services.tickets.reopen(actor, t.id, 'Still broken');
      Object.assign(t, { status: 'in_progress', resolvedAt: null });
    }
    this.tick();
  }

  private checkSetupCoverage(): void {
    const statuses = new Set(this.model.tickets.map((t) => t.status));
    for (const s of STATUSES) if (!statuses.has(s)) this.fail(`setup made no ${s} ticket`);
    if (!this.model.tickets.some((t) => t.shares.size > 0)) this.fail('setup made no share');
    if (![...this.model.identities.values()].some((i) => i.orgWide && !i.unbound)) {
      this.fail('setup made no organization-wide identity');
    }
  }

  /** Every refusal kind and every success path was reached, so the run proves something. */
  private checkOperationCoverage(): void {
    const need: [string, Outcome[]][] = [
      ['get', ['ok', 'not_found', 'forbidden']],
      ['list', ['ok', 'forbidden']],
      ['queuePosition', ['ok', 'not_found', 'invalid_state']],
      ['figures', ['ok', 'forbidden']],
      ['colleagues', ['ok', 'forbidden']],
      ['cancel', ['ok', 'not_found', 'forbidden', 'invalid_state']],
      ['addSupplement', ['ok', 'not_found', 'invalid_state']],
      ['share', ['ok', 'not_found', 'invalid_input', 'invalid_state']],
      ['rate', ['ok', 'not_found', 'invalid_state']],
      ['reopen', ['ok', 'not_found', 'invalid_state']],
      ['updateDraft', ['ok', 'not_found', 'forbidden', 'invalid_state']],
      ['deleteDraft', ['ok', 'not_found']],
      ['submit', ['ok', 'not_found', 'invalid_state']],
      ['addAttachment', ['ok', 'not_found', 'invalid_state']],
      ['selectIdentity', ['ok', 'not_found']],
    ];
    const missing = need.flatMap(([op, outcomes]) =>
      outcomes.filter((o) => !this.stats.get(op)?.get(o)).map((o) => `${op}:${o}`),
    );
    if (missing.length > 0) this.fail(`the random run never reached ${missing.join(', ')}`);
  }

  // ---------------------------------------------------------------------------------- choosing

  /** Any identity as actor: mostly as its own account, sometimes presented with another account's id. */
  private randomActor(t?: MTicket): CustomerActor {
    const { prng, model } = this;
    const all = [...model.identities.values()];
    const bound = all.filter((i) => !i.unbound);
    const r = prng.next();
    if (r < 0.05) {
      const i = prng.pick(all);
      const other = prng.pick([...model.accounts.keys()].filter((a) => a !== i.accountId));
      return { accountId: other, identityId: i.id };
    }
    const unbound = all.filter((i) => i.unbound);
    if (r < 0.12 && unbound.length > 0) return this.actorOf(prng.pick(unbound).id);
    if (t && r < 0.6) {
      // Insiders of the ticket (including unbound ones), so allowed paths are exercised often.
      const insiders = all.filter(
        (i) => i.id === t.owner || t.shares.has(i.id) || (i.orgWide && i.orgId === t.orgId),
      );
      return this.actorOf(prng.pick(insiders).id);
    }
    return this.actorOf(prng.pick(bound).id);
  }

  /** A ticket of a random state (so rare states are tried as often as common ones), or a bogus reference. */
  private randomTicket(prefer?: readonly TicketStatus[]): { t?: MTicket; ref: string } {
    const { prng, model } = this;
    const r = prng.next();
    if (r < 0.04) return { ref: this.randomUuid() };
    if (r < 0.06) return { ref: prng.pick(["T1' or 1=1 --", '', 'not-a-ticket', 'T20310320-9999']) };
    if (r < 0.1) {
      const deleted = model.tickets.filter((t) => t.deleted);
      if (deleted.length > 0) {
        const t = prng.pick(deleted);
        return { t, ref: t.id };
      }
    }
    // Half the time a state where the operation can succeed, so allowed paths are exercised too.
    const present = (states: readonly TicketStatus[]) =>
      states.filter((s) => model.tickets.some((t) => !t.deleted && t.status === s));
    const preferred = prefer && prng.chance(0.5) ? present(prefer) : [];
    const status = prng.pick(preferred.length > 0 ? preferred : present(STATUSES));
    const t = prng.pick(model.tickets.filter((x) => !x.deleted && x.status === status));
    return { t, ref: t.id };
  }

  private randomUuid(): string {
    const hex = Array.from({ length: 32 }, () => this.prng.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
  }

  private describeActor(actor: CustomerActor): string {
    const i = this.model.identities.get(actor.identityId);
    const tags = [
      i?.accountId === actor.accountId ? '' : 'foreign-account',
      i?.unbound ? 'unbound' : '',
      i?.orgWide ? 'org-wide' : '',
    ].filter(Boolean);
    return `${actor.identityId.slice(0, 8)}${tags.length ? `[${tags.join(',')}]` : ''}`;
  }

  private describeTicket(t: MTicket | undefined, ref: string): string {
    if (!t) return `ref ${JSON.stringify(ref)}`;
    return `${t.id.slice(0, 8)}(${t.deleted ? 'deleted ' : ''}${t.status}, owner ${t.owner.slice(0, 8)}, shares ${t.shares.size})`;
  }

  // ---------------------------------------------------------------------------------- operations

  private async randomOperation(): Promise<void> {
    // Reads, customer writes, and now and then staff moving tickets along or unbinding an identity.
    const op = this.prng.weighted<() => Promise<void>>([
      [12, () => this.opGet()],
      [7, () => this.opList()],
      [5, () => this.opQueuePosition()],
      [2, () => this.opFigures()],
      [2, () => this.opColleagues()],
      [6, () => this.opCancel()],
      [6, () => this.opSupplement()],
      [6, () => this.opReopen()],
      [7, () => this.opShare()],
      [6, () => this.opRate()],
      [5, () => this.opUpdateDraft()],
      [3, () => this.opDeleteDraft()],
      [5, () => this.opSubmit()],
      [5, () => this.opAttachment()],
      [3, () => this.opCreateDraft()],
      [4, () => this.opSelectIdentity()],
      [6, () => this.opStaff()],
      [0.4, () => this.opUnbind()],
    ]);
    await op();
  }

  /**
   * A write: the outcome must be the model's; a refused write changes nothing at all, an allowed
   * one changes nothing but its own ticket (or binding). The model then has to agree with the rows.
   */
  private async write<T>(
    op: string,
    label: string,
    expected: Outcome,
    run: () => Promise<T>,
    apply: (value: T) => void,
    allowed: { ticket?: string; binding?: string; newTickets?: boolean; rest?: boolean },
  ): Promise<T | undefined> {
    this.trace.push(`${this.step} ${label} -> expect ${expected}`);
    const before = this.last;
    const got = await this.attempt(run);
    this.record(op, got.outcome);
    this.expectOutcome(label, expected, got);
    const after = await snapshot(this.db);
    const diff = differences(before, after, expected === 'ok' ? allowed : {});
    if (diff.length > 0) this.fail(`${label} (${got.outcome}) changed what it must not: ${diff.join('; ')}`);
    if (expected === 'ok') apply(got.value as T);
    this.reconcile(after);
    this.last = after;
    return got.value;
  }

  /** The rows agree with the model: same tickets, statuses, shares, ratings and active identities. */
  private reconcile(s: Snapshot): void {
    const live = this.model.tickets.filter((t) => !t.deleted);
    if (live.length !== s.tickets.size)
      this.fail(`model has ${live.length} tickets, database ${s.tickets.size}`);
    for (const t of live) {
      const row = s.tickets.get(t.id);
      if (!row) this.fail(`ticket ${t.id} missing from the database`);
      const shares = [...t.shares].sort().join(',');
      if (row.status !== t.status || row.shares.join(',') !== shares || row.rated !== t.rated) {
        this.fail(
          `ticket ${t.id}: database ${row.status}/${row.shares.length} shares/rated ${row.rated}, ` +
            `model ${t.status}/${t.shares.size} shares/rated ${t.rated}`,
        );
      }
    }
    for (const a of this.model.accounts.values()) {
      const b = s.bindings.get(a.chatUserId);
      if ((b?.active ?? null) !== a.active) {
        this.fail(`binding ${a.chatUserId}: database active ${b?.active}, model ${a.active}`);
      }
    }
  }

  private read(op: string, label: string, expected: Outcome, got: { outcome: Outcome; error?: unknown }) {
    this.trace.push(`${this.step} ${label} -> expect ${expected}`);
    this.record(op, got.outcome);
    this.expectOutcome(label, expected, got);
  }

  private checkDetails(label: string, d: TicketDetails, t: MTicket, actor: CustomerActor): void {
    const v = this.model.viewer(actor)!;
    const actions = this.model.actions(t, this.model.access(v, t), this.clock);
    const problems = [
      d.id === t.id ? '' : `id ${d.id}`,
      d.identityId === t.owner ? '' : `owner ${d.identityId}`,
      d.organizationId === t.orgId ? '' : `organization ${d.organizationId}`,
      d.status === t.status ? '' : `status ${d.status} (model ${t.status})`,
      d.number === t.number ? '' : `number ${d.number}`,
      (d.rating !== null) === t.rated ? '' : `rating ${JSON.stringify(d.rating)}`,
      d.actions.join(',') === actions.join(',') ? '' : `actions ${d.actions} (model ${actions})`,
    ].filter(Boolean);
    if (problems.length > 0) this.fail(`${label}: details differ: ${problems.join('; ')}`);
  }

  private async opGet(): Promise<void> {
    const { t, ref: id } = this.randomTicket();
    const actor = this.randomActor(t);
    let ref = id;
    if (t?.number && this.prng.chance(0.4)) {
      // By number, as typed: any letter case, stray spaces.
      ref = this.prng.chance(0.5) ? t.number.toLowerCase() : ` ${t.number} `;
    }
    const label = `get ${this.describeActor(actor)} ${this.describeTicket(t, ref)} by ${ref === id ? 'id' : 'number'}`;
    const expected = this.model.ticketOutcome(actor, t, () => 'ok');
    const got = await this.attempt(() => this.services.tickets.get(actor, ref));
    this.read('get', label, expected, got);
    if (got.value) this.checkDetails(label, got.value, t!, actor);
  }

  private async opList(): Promise<void> {
    const { prng, model } = this;
    const actor = this.randomActor();
    const scope = prng.pick(['mine', 'shared', 'all', 'drafts'] as const);
    const status = prng.weighted<TicketStatus | TicketStatus[] | undefined>([
      [3, undefined],
      [4, prng.pick(STATUSES)],
      [1, prng.sample(STATUSES, 2)],
    ]);
    const limit = prng.chance(0.2) ? undefined : prng.between(1, 20);
    const label = `list ${this.describeActor(actor)} ${scope} ${JSON.stringify(status ?? null)} limit ${limit}`;
    const v = model.viewer(actor);
    const got = await this.attempt(() => this.listAll(actor, { scope, status, limit }));
    this.read('list', label, v ? 'ok' : 'forbidden', got);
    if (!v) return;
    const expected = model
      .list(v, scope, status === undefined ? undefined : [status].flat())
      .map((t) => t.id);
    const ids = got.value!.map((s) => s.id);
    if (ids.join(',') !== expected.join(',')) {
      const extra = ids.filter((id) => !expected.includes(id));
      const missing = expected.filter((id) => !ids.includes(id));
      this.fail(
        `${label}: got ${ids.length}, expected ${expected.length}; ` +
          `outside scope: [${extra.map((id) => this.describeTicket(model.byId.get(id), id))}] ` +
          `missing: [${missing.map((id) => this.describeTicket(model.byId.get(id), id))}]` +
          (extra.length === 0 && missing.length === 0 ? ' (order differs)' : ''),
      );
    }
    for (const s of got.value!) {
      if (s.status !== model.byId.get(s.id)!.status) this.fail(`${label}: ${s.id} listed as ${s.status}`);
    }
  }

  /** Every page of a list; pages never exceed the limit and the cursor runs out. */
  private async listAll(actor: CustomerActor, query: ListQuery): Promise<TicketSummary[]> {
    const out: TicketSummary[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 500; page++) {
      const result = await this.services.tickets.list(actor, { ...query, cursor });
      if (result.items.length > Math.min(query.limit ?? 5, 50)) this.fail('a page exceeds its limit');
      out.push(...result.items);
      if (!result.nextCursor) return out;
      cursor = result.nextCursor;
    }
    return this.fail('a list never ends');
  }

  private async opQueuePosition(): Promise<void> {
    const { t, ref } = this.randomTicket(['waiting']);
    const actor = this.randomActor(t);
    const label = `queuePosition ${this.describeActor(actor)} ${this.describeTicket(t, ref)}`;
    const expected = this.model.ticketOutcome(actor, t, (x) =>
      x.status === 'waiting' ? 'ok' : 'invalid_state',
    );
    const got = await this.attempt(() => this.services.tickets.queuePosition(actor, ref));
    this.read('queuePosition', label, expected, got);
    if (got.value) {
      const want = this.model.queuePosition(t!);
      if (JSON.stringify(got.value) !== JSON.stringify(want)) {
        this.fail(`${label}: ${JSON.stringify(got.value)}, model ${JSON.stringify(want)}`);
      }
    }
  }

  private async opFigures(): Promise<void> {
    const actor = this.randomActor();
    const v = this.model.viewer(actor);
    const label = `figures ${this.describeActor(actor)}`;
    const got = await this.attempt(() => this.services.tickets.figures(actor));
    this.read('figures', label, v ? 'ok' : 'forbidden', got);
    if (!v) return;
    const figures = got.value!;
    const actual = figures.map((f) => [f.scope, f.key, f.count]);
    const expected = this.model.figures(v, this.clock);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      this.fail(`${label}: ${JSON.stringify(actual)}, model ${JSON.stringify(expected)}`);
    }
    // Each figure drills down to a list with exactly that many tickets.
    for (const f of figures) {
      const items = await this.listAll(actor, { ...f.drillDown, limit: 50 });
      if (items.length !== f.count) {
        this.fail(`${label}: ${f.scope}/${f.key} counts ${f.count} but its list has ${items.length}`);
      }
    }
  }

  private async opColleagues(): Promise<void> {
    const actor = this.randomActor();
    const v = this.model.viewer(actor);
    const label = `colleagues ${this.describeActor(actor)}`;
    const got = await this.attempt(() => this.services.identities.colleagues(actor));
    this.read('colleagues', label, v ? 'ok' : 'forbidden', got);
    if (!v) return;
    const ids = got.value!.map((i) => i.id).sort();
    const expected = this.model.colleagues(actor, v);
    if (ids.join(',') !== expected.join(',')) this.fail(`${label}: [${ids}], model [${expected}]`);
  }

  /** A ticket write with the model's rule; applies the change to the model when allowed. */
  private async ticketWrite<T>(
    op: string,
    prefer: readonly TicketStatus[],
    rule: (t: MTicket, v: MIdentity, a: Access) => Outcome,
    run: (actor: CustomerActor, ref: string) => Promise<T>,
    apply: (t: MTicket, value: T) => void,
    /** Chooses anything that depends on the ticket (before the rule runs); returns a label suffix. */
    prepare: (t: MTicket | undefined) => string = () => '',
  ): Promise<void> {
    const { t, ref } = this.randomTicket(prefer);
    const actor = this.randomActor(t);
    const extra = prepare(t);
    const label = `${op} ${this.describeActor(actor)} ${this.describeTicket(t, ref)}${extra}`;
    const expected = this.model.ticketOutcome(actor, t, rule);
    await this.write(
      op,
      label,
      expected,
      () => run(actor, ref),
      (value) => apply(t!, value),
      { ticket: t?.id, rest: true },
    );
  }

  private opCancel(): Promise<void> {
    return this.ticketWrite(
      'cancel',
      ['waiting'],
      (t, _v, a) => (!a.manager ? 'forbidden' : t.status !== 'waiting' ? 'invalid_state' : 'ok'),
      (actor, ref) => this.services.tickets.cancel(actor, ref),
      (t) => {
        t.status = 'cancelled';
      },
    );
  }

  private opSupplement(): Promise<void> {
    return this.ticketWrite(
      'addSupplement',
      OPEN,
      (t) => (OPEN.includes(t.status) ? 'ok' : 'invalid_state'),
      (actor, ref) =>
        this.services.tickets.addSupplement(actor, ref, 'More detail: it happens every morning.'),
      () => {},
    );
  }

  private opReopen(): Promise<void> {
    return this.ticketWrite(
      'reopen',
      ['resolved'],
      (t, _v, a) =>
        !a.manager
          ? 'forbidden'
          : t.status !== 'resolved' || !this.model.withinWindow(t, this.clock)
            ? 'invalid_state'
            : 'ok',
      (actor, ref) => this.services.tickets.reopen(actor, ref, 'Not solved'),
      (t) => {
        t.status = 'in_progress';
        t.resolvedAt = null;
      },
    );
  }

  private opRate(): Promise<void> {
    const stars = this.prng.between(1, 5);
    return this.ticketWrite(
      'rate',
      ['resolved'],
      (t, _v, a) =>
        !a.manager
          ? 'forbidden'
          : t.rated
            ? 'conflict'
            : t.status !== 'resolved' || !this.model.withinWindow(t, this.clock)
              ? 'invalid_state'
              : 'ok',
      (actor, ref) => this.services.tickets.rate(actor, ref, stars, 'Thanks'),
      (t) => {
        t.status = 'closed';
        t.rated = true;
      },
    );
  }

  private opShare(): Promise<void> {
    const { prng, model } = this;
    // Any identity at all (other organizations, unbound ones, the owner, the actor), or garbage;
    // half the time one of the ticket's organization, where sharing can succeed.
    const pickTarget = (t?: MTicket) => {
      const all = [...model.identities.values()];
      const sameOrg = all.filter((i) => i.orgId === t?.orgId);
      if (prng.chance(0.05)) return 'not-an-identity';
      return prng.pick(sameOrg.length > 0 && prng.chance(0.5) ? sameOrg : all).id;
    };
    let target = '';
    return this.ticketWrite(
      'share',
      OPEN,
      (t, v) =>
        !OPEN.includes(t.status)
          ? 'invalid_state'
          : model.validShareTarget(t, v, target)
            ? 'ok'
            : 'invalid_input',
      (actor, ref) => this.services.tickets.share(actor, ref, target),
      (t) => {
        t.shares.add(target);
      },
      (t) => {
        target = pickTarget(t);
        return ` with ${target.slice(0, 8)}`;
      },
    );
  }

  private draftRule(extra?: (t: MTicket) => Outcome) {
    return (t: MTicket, _v: MIdentity, a: Access): Outcome =>
      !a.owner ? 'forbidden' : t.status !== 'draft' ? 'invalid_state' : extra ? extra(t) : 'ok';
  }

  private opUpdateDraft(): Promise<void> {
    const { prng } = this;
    const fields = prng.pick<DraftFields>([
      { title: 'Edited title' },
      { description: 'Edited description' },
      { category: prng.pick(CATEGORIES) },
      { priority: prng.pick(PRIORITIES) },
    ]);
    return this.ticketWrite(
      'updateDraft',
      ['draft'],
      this.draftRule(),
      (actor, ref) => this.services.tickets.updateDraft(actor, ref, fields),
      (t) => {
        if (fields.category) t.category = fields.category;
        if (fields.priority) t.priority = fields.priority;
      },
      () => ` ${JSON.stringify(fields)}`,
    );
  }

  private opDeleteDraft(): Promise<void> {
    return this.ticketWrite(
      'deleteDraft',
      ['draft'],
      this.draftRule(),
      (actor, ref) => this.services.tickets.deleteDraft(actor, ref),
      (t) => {
        t.deleted = true;
      },
    );
  }

  private opSubmit(): Promise<void> {
    return this.ticketWrite(
      'submit',
      ['draft'],
      this.draftRule((t) => (t.category === null ? 'invalid_input' : 'ok')),
      (actor, ref) => this.services.tickets.submit(actor, ref),
      (t, result) => {
        Object.assign(t, { status: 'waiting', number: result.ticket.number, submittedAt: this.clock });
        const want = this.model.queuePosition(t);
        if (JSON.stringify(result.position) !== JSON.stringify(want)) {
          this.fail(
            `submit ${t.id}: position ${JSON.stringify(result.position)}, model ${JSON.stringify(want)}`,
          );
        }
      },
    );
  }

  private opAttachment(): Promise<void> {
    return this.ticketWrite(
      'addAttachment',
      ['draft', ...OPEN],
      (t) => (t.status === 'draft' || OPEN.includes(t.status) ? 'ok' : 'invalid_state'),
      (actor, ref) =>
        this.services.tickets.addAttachment(actor, ref, {
          name: 'screen.png',
          contentType: 'image/png',
          size: 2048,
          url: 'blob:screen',
        }),
      () => {},
    );
  }

  private async opCreateDraft(): Promise<void> {
    const actor = this.randomActor();
    const v = this.model.viewer(actor);
    const complete = this.prng.chance(0.7);
    const fields = this.draftFields(actor.identityId, complete);
    const label = `createDraft ${this.describeActor(actor)}`;
    await this.write(
      'createDraft',
      label,
      v ? 'ok' : 'forbidden',
      () => this.services.tickets.createDraft(actor, fields),
      (d) => {
        if (d.identityId !== actor.identityId || d.status !== 'draft')
          this.fail(`${label}: made ${d.status}`);
        this.model.addTicket({
          id: d.id,
          number: null,
          owner: actor.identityId,
          orgId: v!.orgId,
          status: 'draft',
          shares: new Set(),
          rated: false,
          category: fields.category ?? null,
          priority: fields.priority!,
          createdAt: this.clock,
          submittedAt: null,
          resolvedAt: null,
          deleted: false,
        });
      },
      { newTickets: true },
    );
  }

  /** A chat user picks an identity: only its own account's, and only a bound one. */
  private async opSelectIdentity(): Promise<void> {
    const { prng, model } = this;
    const account = prng.pick([...model.accounts.values()]);
    const identityId = prng.chance(0.05)
      ? prng.pick(['', 'x', this.randomUuid()])
      : prng.chance(0.4)
        ? prng.pick(account.identities)
        : prng.pick([...model.identities.keys()]);
    const identity = model.identities.get(identityId);
    const expected: Outcome =
      identity?.accountId !== account.id ? 'not_found' : identity.unbound ? 'forbidden' : 'ok';
    const label = `selectIdentity ${account.chatUserId} ${identityId.slice(0, 8)}`;
    await this.write(
      'selectIdentity',
      label,
      expected,
      () => this.services.bindings.selectIdentity('web', account.chatUserId, identityId),
      (i) => {
        if (i.id !== identityId) this.fail(`${label}: selected ${i.id}`);
        account.active = identityId;
      },
      { binding: account.chatUserId },
    );
    await this.checkChatActor(label, account);
  }

  /** The chat acts as exactly the model's active identity, or has to pick one. */
  private async checkChatActor(label: string, account: MAccount): Promise<void> {
    const got = await this.attempt(() => this.services.bindings.actor('web', account.chatUserId));
    const want = account.active;
    const right =
      want === null
        ? got.outcome === 'invalid_state'
        : got.value?.identityId === want && got.value.accountId === account.id;
    if (!right)
      this.fail(`${label}: the chat acts as ${got.value?.identityId ?? got.outcome}, model ${want}`);
  }

  /** Staff move tickets along (always allowed), so states keep changing under the customers. */
  private async opStaff(): Promise<void> {
    const { prng, model, services, staff } = this;
    const live = model.tickets.filter((t) => !t.deleted);
    const moves: [TicketStatus[], string, (id: string) => Promise<unknown>, (t: MTicket) => void][] = [
      [
        ['waiting'],
        'accept',
        (id) => services.staffTickets.accept(staff, id),
        (t) => Object.assign(t, { status: 'in_progress' }),
      ],
      [
        ['in_progress'],
        'resolve',
        (id) => services.staffTickets.resolve(staff, id, 'Done.'),
        (t) => Object.assign(t, { status: 'resolved', resolvedAt: this.clock }),
      ],
      [
        ['waiting', 'in_progress', 'resolved'],
        'close',
        (id) => services.staffTickets.close(staff, id),
        (t) => Object.assign(t, { status: 'closed' }),
      ],
      [
        ['resolved', 'closed'],
        'staff reopen',
        (id) => services.staffTickets.reopen(staff, id),
        (t) => Object.assign(t, { status: 'in_progress', resolvedAt: null }),
      ],
    ];
    const [from, name, run, apply] = prng.weighted(moves.map((m, i) => [[1, 3, 1, 1][i]!, m] as const));
    const candidates = live.filter((t) => from.includes(t.status));
    if (candidates.length === 0) return;
    const t = prng.pick(candidates);
    await this.write(
      'staff',
      `staff ${name} ${this.describeTicket(t, t.id)}`,
      'ok',
      () => run(t.id),
      () => apply(t),
      {
        ticket: t.id,
        rest: true,
      },
    );
  }

  private async opUnbind(): Promise<void> {
    const bound = [...this.model.identities.values()].filter((i) => !i.unbound);
    // A few more during the run (setup unbinds three): enough to move bindings, not to silence everyone.
    if (bound.length <= this.model.identities.size - 6) return;
    const i = this.prng.pick(bound);
    const label = `unbind ${i.id.slice(0, 8)}`;
    await this.write(
      'unbind',
      label,
      'ok',
      () => this.services.identities.unbind(this.staff, i.id),
      () => this.model.unbind(i.id),
      {
        binding: this.model.accounts.get(i.accountId)!.chatUserId,
        rest: true,
      },
    );
    // Its chat falls back to the only identity left, or asks to pick; never keeps acting as it.
    await this.checkChatActor(label, this.model.accounts.get(i.accountId)!);
  }
}
