import { z } from 'zod';
import { storableString } from '../../services/text';
import { ProblemSchema } from './problems';

/**
 * The zod schemas of the staff API: inputs (path, query, body) and the response models.
 * Response models are registered by name in `models`, which becomes `components.schemas` of the
 * OpenAPI document. Dates travel as ISO 8601 strings (what JSON.stringify makes of a Date).
 */

export const models = z.registry<{ id: string }>();
const model = <S extends z.ZodType>(id: string, schema: S): S => {
  models.add(schema, { id });
  return schema;
};

// ---------------------------------------------------------------- building blocks

/** Any 8-4-4-4-12 hex id (the database's gen_random_uuid). */
export const Id = z.guid({ message: 'must be a UUID' });
const DateTime = z.iso.datetime({ offset: true });
// Every text input is storable (services/text.ts): NUL or a lone surrogate is a 400 naming the field.
const text = (max: number) =>
  storableString().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const nullableText = (max: number) =>
  storableString().trim().max(max, `at most ${max} characters`).nullable();

export const TICKET_STATUSES = [
  'draft',
  'waiting',
  'in_progress',
  'resolved',
  'closed',
  'cancelled',
] as const;
const Status = z.enum(TICKET_STATUSES);
const Priority = z.enum(['urgent', 'high', 'normal', 'low']);
const Channel = z.enum(['web', 'teams', 'wecom', 'wechat_kf']);

/** A ticket by id or by number (T20261124-0001). */
export const TicketRef = z.union([
  Id,
  storableString().regex(/^[Tt]\d{8}-\d{4,6}$/, 'a ticket id or number'),
]);

// ---------------------------------------------------------------- path parameters

export const OrganizationPath = z.strictObject({ organizationId: Id });
export const AccountPath = z.strictObject({ accountId: Id });
export const IdentityPath = z.strictObject({ identityId: Id });
export const StaffPath = z.strictObject({ staffId: Id });
export const TokenPath = z.strictObject({ tokenId: Id });
export const TicketPath = z.strictObject({
  ticket: TicketRef.describe('The ticket id or number.'),
});

// ---------------------------------------------------------------- query parameters

const Cursor = storableString().min(1).max(500).describe('`nextCursor` of the previous page.');
const Limit = z.coerce.number().int().min(1).max(50).describe('Page size (1-50, default 20).');

export const PageQuery = z.strictObject({ cursor: Cursor.optional(), limit: Limit.optional() });
export const QueueQuery = PageQuery.extend({
  queue: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, 'a queue (ticket category) name')
    .optional()
    .describe('One queue (ticket category); all queues when left out.'),
});
export const TicketListQuery = PageQuery.extend({
  organizationId: Id.optional(),
  status: Status.exclude(['draft']).optional(),
});
export const RatingListQuery = PageQuery.extend({
  order: z
    .enum(['low-first', 'newest'])
    .default('low-first')
    .describe('`low-first` (default): fewest stars first, then newest; `newest`: newest first.'),
});

// ---------------------------------------------------------------- request bodies

export const CreateOrganizationBody = z.strictObject({ name: text(100) });

const IdentityInput = z.strictObject({
  organizationId: Id,
  displayName: text(100).describe('How the customer appears as a contact of this organization.'),
  orgWide: z.boolean().optional().describe('Sees every ticket and figure of the organization.'),
});

export const CreateAccountBody = z
  .strictObject({
    phone: storableString()
      .trim()
      .regex(/^\+?[\d\s\-().]{6,30}$/, 'a phone number, e.g. +8613800138000')
      .optional()
      .describe('Login phone (E.164, or an 11-digit mainland number).'),
    email: z.email({ message: 'an email address' }).max(254).optional().describe('Login email.'),
    name: text(100),
    locale: z.enum(['zh-CN', 'en-US']).optional().describe('Language of the credentials message.'),
    identities: z.array(IdentityInput).min(1, 'at least one identity').max(20),
  })
  .refine((v) => v.phone !== undefined || v.email !== undefined, {
    message: 'a phone or an email is required',
    path: ['phone'],
  });

export const AddIdentityBody = IdentityInput;

const staffFields = {
  name: text(100),
  email: z.email({ message: 'an email address' }).max(254).nullable(),
  phone: nullableText(40),
  role: z.enum(['agent', 'admin']),
  wecomUserId: nullableText(64).describe('WeCom userid, for alerts and acting from WeCom.'),
  teamsUserId: nullableText(200).describe(
    'Teams user id (29:...) or AAD object id, for alerts and acting from Teams.',
  ),
  alertNewTicket: z.boolean().describe('Alert this member when a new ticket waits.'),
  alertRating: z.boolean().describe('Alert this member when a ticket they handled is rated.'),
};

export const CreateStaffBody = z.strictObject({
  name: staffFields.name,
  email: staffFields.email.optional(),
  phone: staffFields.phone.optional(),
  role: staffFields.role.default('agent'),
  wecomUserId: staffFields.wecomUserId.optional(),
  teamsUserId: staffFields.teamsUserId.optional(),
  alertNewTicket: staffFields.alertNewTicket.default(true),
  alertRating: staffFields.alertRating.default(true),
});

export const UpdateStaffBody = z
  .strictObject({
    name: staffFields.name.optional(),
    email: staffFields.email.optional(),
    phone: staffFields.phone.optional(),
    role: staffFields.role.optional(),
    wecomUserId: staffFields.wecomUserId.optional(),
    teamsUserId: staffFields.teamsUserId.optional(),
    alertNewTicket: staffFields.alertNewTicket.optional(),
    alertRating: staffFields.alertRating.optional(),
    active: z.boolean().optional().describe('An inactive member cannot use tokens nor receive alerts.'),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'nothing to change' });

export const CreateTokenBody = z.strictObject({
  label: storableString()
    .trim()
    .max(100)
    .optional()
    .describe('What the token is for, e.g. "console" or "crm bot".'),
});

export const EmptyBody = z.strictObject({});
export const ReplyBody = z.strictObject({ text: text(5000).describe('Shown to the customer.') });
export const ResolveBody = z.strictObject({
  resolution: text(5000).describe('The handling reply (处理回复) the customer sees.'),
});
export const ReopenBody = z.strictObject({ reason: storableString().trim().max(5000).optional() });

// ---------------------------------------------------------------- response models

export const Organization = model('Organization', z.object({ id: Id, name: z.string() }));

export const Account = model(
  'Account',
  z.object({
    id: Id,
    phone: z.string().nullable(),
    email: z.string().nullable(),
    name: z.string(),
    avatarRef: z.string().nullable(),
    locale: z.string().nullable(),
    mustChangePassword: z.boolean(),
    lockedUntil: DateTime.nullable().describe('Set while locked after repeated wrong passwords.'),
    disabled: z.boolean().describe('Locked by staff.'),
    createdAt: DateTime,
  }),
);

export const Identity = model(
  'Identity',
  z.object({
    id: Id,
    accountId: Id,
    organizationId: Id,
    organizationName: z.string(),
    displayName: z.string(),
    orgWide: z.boolean(),
  }),
);

export const ChatBindingSummary = model(
  'ChatBinding',
  z.object({
    channel: Channel,
    activeIdentityId: Id.nullable(),
    reachable: z.boolean(),
    locale: z.string().nullable(),
  }),
);

export const AccountView = model(
  'AccountView',
  z.object({ account: Account, identities: z.array(Identity), bindings: z.array(ChatBindingSummary) }),
);
export const OpenedAccount = model(
  'OpenedAccount',
  z.object({ account: Account, identities: z.array(Identity) }),
);
export const IdentityList = model('IdentityList', z.object({ items: z.array(Identity) }));
export const OrganizationList = model('OrganizationList', z.object({ items: z.array(Organization) }));
export const RevokedBindings = model(
  'RevokedBindings',
  z.object({ revoked: z.int().describe('How many chat users were signed out.') }),
);

export const Staff = model(
  'Staff',
  z.object({
    id: Id,
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    role: z.enum(['agent', 'admin']),
    wecomUserId: z.string().nullable(),
    teamsUserId: z.string().nullable(),
    alertNewTicket: z.boolean(),
    alertRating: z.boolean(),
    active: z.boolean(),
  }),
);
export const StaffList = model('StaffList', z.object({ items: z.array(Staff) }));
export const IssuedToken = model(
  'IssuedToken',
  z.object({
    id: Id.describe('Token id, to revoke it.'),
    token: z.string().describe('The bearer token. Shown once; only its hash is stored.'),
  }),
);
export const Me = model('Me', z.object({ staff: Staff }));

const ticketSummaryShape = {
  id: Id,
  number: z.string().nullable(),
  title: z.string(),
  status: Status,
  priority: Priority.nullable(),
  updatedAt: DateTime,
  createdAt: DateTime,
};
export const TicketSummary = model('TicketSummary', z.object(ticketSummaryShape));
export const QueueEntry = model(
  'QueueEntry',
  z.object({
    ...ticketSummaryShape,
    position: z.int().describe('1 = next to be accepted in its queue.'),
    queue: z.string(),
    organizationId: Id,
    submittedAt: DateTime,
  }),
);

const ReplyChannel = model(
  'ReplyChannel',
  z.union([
    z.object({ kind: z.literal('chat'), channel: Channel, chatUserId: z.string() }),
    z.object({ kind: z.literal('sms') }),
    z.object({ kind: z.literal('email') }),
  ]),
);

export const TicketEvent = model(
  'TicketEvent',
  z.object({
    id: z.int(),
    kind: z.string().describe('submitted, accepted, staff_reply, resolved, closed, reopened, rated, ...'),
    actorType: z.enum(['customer', 'staff', 'system']),
    actorName: z.string().nullable().describe('Who did it (the staff member for staff actions).'),
    data: z.record(z.string(), z.unknown()),
    createdAt: DateTime,
  }),
);

export const TicketDetails = model(
  'TicketDetails',
  z.object({
    ...ticketSummaryShape,
    description: z.string(),
    category: z.string().nullable(),
    queue: z.string().nullable(),
    replyChannel: ReplyChannel.nullable(),
    identityId: Id,
    organizationId: Id,
    submittedAt: DateTime.nullable(),
    acceptedAt: DateTime.nullable(),
    acceptedBy: z.object({ id: Id, name: z.string() }).nullable(),
    resolvedAt: DateTime.nullable(),
    resolution: z.string().nullable().describe('The handling reply (处理回复).'),
    closedAt: DateTime.nullable(),
    rating: z.object({ stars: z.int(), comment: z.string().nullable(), createdAt: DateTime }).nullable(),
    attachments: z.array(
      z.object({ id: Id, name: z.string(), contentType: z.string(), size: z.int(), url: z.string() }),
    ),
    timeline: z.array(TicketEvent),
    actions: z.array(z.string()).describe('What the customer may do now (F7).'),
  }),
);

export const RatingEntry = model(
  'RatingEntry',
  z.object({
    ticketId: Id,
    number: z.string(),
    title: z.string(),
    stars: z.int().min(1).max(5),
    comment: z.string().nullable(),
    acceptedBy: z.string().nullable().describe('Name of the staff member who handled the ticket.'),
    createdAt: DateTime,
  }),
);

const page = <S extends z.ZodType>(id: string, item: S) =>
  model(id, z.object({ items: z.array(item), nextCursor: z.string().nullable() }));
export const TicketPage = page('TicketPage', TicketSummary);
export const QueuePage = page('QueuePage', QueueEntry);
export const RatingPage = page('RatingPage', RatingEntry);

model('Problem', ProblemSchema);
