import { z } from 'zod';
import { storableString } from '../services/text';
import type { ActionValue } from './replies';

/**
 * Every value a button or card of ours can send back, as one zod schema. A pressed value is parsed
 * here before any dialog sees it: a value we never made (an old button of a removed feature, a
 * hand-crafted request) is answered as "that button is out of date", never fed into a flow. Strings
 * are bounded and storable; ids, enums and numbers have their exact shape, so a flow can trust them.
 */

const STATUSES = ['draft', 'waiting', 'in_progress', 'resolved', 'closed', 'cancelled'] as const;
const FILTER_STATUSES = ['waiting', 'in_progress', 'resolved', 'closed', 'cancelled'] as const;
const SCOPES = ['mine', 'shared', 'all', 'drafts'] as const;
const TICKET_OPS = [
  'queue',
  'rate',
  'reopen',
  'share',
  'cancel',
  'supplement',
  'submit',
  'edit',
  'delete',
] as const;
const CHAT_CHANNELS = ['web', 'teams', 'wecom', 'wechat_kf'] as const;
const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
const NEW_TICKET_STAGES = [
  'title',
  'description',
  'category',
  'priority',
  'attachments',
  'reply_channel',
  'confirm',
] as const;

const text = (max: number) => storableString().max(max);
const uuid = z.guid();
/** A ticket by id or by number (T20261124-0001), as buttons and typed numbers carry it. */
const ticketRef = z.union([uuid, z.string().regex(/^[Tt]\d{8}-\d{3,6}$/)]);
/** Buttons carry numbers; a card framework may hand them back as numeric strings. */
const count = (min: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d{1,6}$/)
        .transform(Number),
    ])
    .pipe(z.number().int().min(min).max(max));
/** Statuses travel comma-joined (action values are flat); '' means any status. */
const statusList = z
  .string()
  .max(100)
  .refine((v) => v === '' || v.split(',').every((s) => (STATUSES as readonly string[]).includes(s)));
const isoInstant = z.iso.datetime({ offset: true });

/** Actions that carry nothing but their name. */
const SIMPLE = [
  'home',
  'menu',
  'help',
  'sign_out',
  'cancel',
  'back',
  'yes',
  'skip',
  'done',
  'resend_code',
  'other_account',
  'change_password',
  'forgot_password',
  'profile',
  'resend',
  'pick_filter',
  'pick_scope',
  'new_ticket',
  'attachments_done',
  'submit',
  'save_draft',
] as const;

function schemaFor(categories: readonly string[]) {
  const category = z.string().refine((c) => categories.includes(c));
  return z.discriminatedUnion('action', [
    z.object({ action: z.enum(SIMPLE) }),
    z.object({ action: z.literal('language'), locale: z.enum(['zh-CN', 'en-US']) }),
    // Sign-in (F2), identity (F3), passwords (F11/F12), profile (F13).
    z.object({ action: z.literal('sign_in'), method: z.enum(['web', 'code']).optional() }),
    z.object({ action: z.literal('sign_in_method'), method: z.enum(['web', 'code']) }),
    z.object({ action: z.literal('switch_identity'), unbound: z.boolean().optional() }),
    z.object({ action: z.literal('pick_identity'), identityId: uuid }),
    z.object({ action: z.literal('edit'), field: z.enum(['name', 'avatar', 'phone', 'email']) }),
    // Lists (F6).
    z.object({
      action: z.literal('list'),
      scope: z.enum(SCOPES).optional(),
      status: statusList.optional(),
      resolvedSince: isoInstant.optional(),
      cursor: z
        .string()
        .max(500)
        .regex(/^[\w-]*$/)
        .optional(),
      page: count(1, 100_000).optional(),
    }),
    z.object({ action: z.literal('filter'), status: z.union([z.literal(''), z.enum(FILTER_STATUSES)]) }),
    z.object({ action: z.literal('scope'), scope: z.enum(SCOPES) }),
    // Tickets (F5, F7, F8, F10).
    z.object({ action: z.literal('resume_draft'), ticketId: ticketRef }),
    z.object({ action: z.literal('open_ticket'), ticketId: ticketRef }),
    z.object({ action: z.literal('ticket_action'), ticketId: ticketRef, op: z.enum(TICKET_OPS) }),
    z.object({ action: z.literal('ticket_op'), ticketId: ticketRef, op: z.enum(TICKET_OPS) }),
    z.object({ action: z.literal('share_with'), identityId: uuid }),
    z.object({ action: z.literal('rate'), ticketId: ticketRef }),
    z.object({ action: z.literal('stars'), stars: count(1, 5) }),
    z.object({
      action: z.literal('rate_form'),
      form: z.literal('rating'),
      // The form's own validation answers a missing or bad star count; only the shape is checked here.
      stars: z.union([z.number(), text(10)]).optional(),
      comment: text(20_000).optional(),
    }),
    z.object({
      action: z.literal('ticket_form'),
      form: z.literal('new_ticket'),
      title: text(20_000).optional(),
      description: text(50_000).optional(),
      category: text(100).optional(),
      priority: text(100).optional(),
    }),
    z.object({ action: z.literal('category'), category }),
    z.object({ action: z.literal('priority'), priority: z.enum(PRIORITIES) }),
    z.discriminatedUnion('kind', [
      z.object({
        action: z.literal('reply_channel'),
        kind: z.literal('chat'),
        channel: z.enum(CHAT_CHANNELS),
        chatUserId: text(256).min(1),
      }),
      z.object({ action: z.literal('reply_channel'), kind: z.enum(['sms', 'email']) }),
    ]),
    z.object({ action: z.literal('edit_field'), field: z.enum(NEW_TICKET_STAGES) }),
  ]);
}

const schemas = new Map<string, ReturnType<typeof schemaFor>>();

/**
 * The value as a flow may use it, or undefined when no button of ours could have sent it. Unknown
 * extra keys are dropped (a card framework may add its own), known ones must have their exact shape.
 */
export function parseAction(raw: unknown, categories: readonly string[]): ActionValue | undefined {
  const key = categories.join(',');
  let schema = schemas.get(key);
  if (!schema) {
    schema = schemaFor(categories);
    schemas.set(key, schema);
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? (parsed.data as ActionValue) : undefined;
}

/** The actions the schema knows (the fuzz test presses each of them with random values). */
export const KNOWN_ACTIONS: readonly string[] = [
  ...SIMPLE,
  'language',
  'sign_in',
  'sign_in_method',
  'switch_identity',
  'pick_identity',
  'edit',
  'list',
  'filter',
  'scope',
  'resume_draft',
  'open_ticket',
  'ticket_action',
  'ticket_op',
  'share_with',
  'rate',
  'stars',
  'rate_form',
  'ticket_form',
  'category',
  'priority',
  'reply_channel',
  'edit_field',
];
