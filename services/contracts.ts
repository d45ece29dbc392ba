/**
 * The domain's public face: the types and service interfaces that the bot, the staff API and the
 * workers call. Implementations live beside this file, one per service; the composition root
 * (app/compose.ts) builds them. Every customer-side read and write takes the acting identity.
 */

export type ChatChannel = 'web' | 'teams' | 'wecom' | 'wechat_kf';
export type TicketStatus = 'draft' | 'waiting' | 'in_progress' | 'resolved' | 'closed' | 'cancelled';
export type Priority = 'urgent' | 'high' | 'normal' | 'low';
export const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];

/** How progress reaches the customer (F5). */
export type ReplyChannel =
  | { kind: 'chat'; channel: ChatChannel; chatUserId: string }
  | { kind: 'sms' }
  | { kind: 'email' };

/** The chat (channel and chat user) an action came from. */
export interface ChatOrigin {
  channel: ChatChannel;
  chatUserId: string;
}

/** A signed-in customer acting as one of their identities. */
export interface CustomerActor {
  accountId: string;
  identityId: string;
}

export interface StaffActor {
  staffId: string;
  role: 'agent' | 'admin';
}

// ---------------------------------------------------------------- accounts, identities, staff

export interface Account {
  id: string;
  phone: string | null;
  email: string | null;
  name: string;
  avatarRef: string | null;
  locale: string | null;
  mustChangePassword: boolean;
  lockedUntil: Date | null;
  disabled: boolean;
  createdAt: Date;
}

export interface Organization {
  id: string;
  name: string;
}

export interface Identity {
  id: string;
  accountId: string;
  organizationId: string;
  organizationName: string;
  displayName: string;
  /** Sees every ticket of the organization, and its figures. */
  orgWide: boolean;
}

export interface Staff {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'agent' | 'admin';
  wecomUserId: string | null;
  teamsUserId: string | null;
  alertNewTicket: boolean;
  alertRating: boolean;
  active: boolean;
}

export interface OpenAccountInput {
  phone?: string;
  email?: string;
  name: string;
  locale?: string;
  identities: { organizationId: string; displayName: string; orgWide?: boolean }[];
}

export interface AccountService {
  /** F1: creates the account with a generated initial password (must change) and announces the credentials. */
  open(staff: StaffActor, input: OpenAccountInput): Promise<{ account: Account; identities: Identity[] }>;
  get(accountId: string): Promise<Account>;
  /** By login phone or email (case-insensitive email, normalized phone). */
  findByLogin(login: string): Promise<Account | undefined>;
  /** Checks a password; counts failures and locks temporarily after repeated ones. */
  verifyPassword(login: string, password: string): Promise<Account>;
  /** F12 (and the forced first change): current + new. */
  changePassword(accountId: string, current: string, next: string): Promise<void>;
  /**
   * F11: sends a code to the account's phone or email. Silent success for an unknown login. The code
   * belongs to `origin` (the chat whose one-time page asked): only there can it be used or tried.
   */
  requestPasswordReset(login: string, locale: string, origin?: ChatOrigin): Promise<void>;
  /** F11: code + new password, from the same origin as the request. */
  resetPasswordWithCode(login: string, code: string, next: string, origin?: ChatOrigin): Promise<void>;
  /** S1: a new initial password, sent like F1. */
  resetPasswordByStaff(staff: StaffActor, accountId: string): Promise<void>;
  setDisabled(staff: StaffActor, accountId: string, disabled: boolean): Promise<Account>;
  /** F13: name, avatar, locale. */
  updateProfile(
    accountId: string,
    changes: { name?: string; avatarRef?: string | null; locale?: string },
  ): Promise<Account>;
  /** F13: a code goes to the new phone/email; the change applies on confirm. */
  requestContactChange(
    accountId: string,
    change: { phone: string } | { email: string },
    locale: string,
    origin?: ChatOrigin,
  ): Promise<void>;
  confirmContactChange(accountId: string, code: string): Promise<Account>;
}

export interface OrganizationService {
  create(staff: StaffActor, name: string): Promise<Organization>;
  list(): Promise<Organization[]>;
  get(id: string): Promise<Organization>;
}

export interface IdentityService {
  /** The account's identities still bound. */
  listForAccount(accountId: string): Promise<Identity[]>;
  get(identityId: string): Promise<Identity>;
  add(
    staff: StaffActor,
    accountId: string,
    input: { organizationId: string; displayName: string; orgWide?: boolean },
  ): Promise<Identity>;
  /** S1: the identity disappears from the customer's list; bindings on it fall back. */
  unbind(staff: StaffActor, identityId: string): Promise<void>;
  /** Other identities of the same organization (share targets, F7). */
  colleagues(actor: CustomerActor): Promise<Identity[]>;
}

export interface StaffService {
  create(actor: StaffActor, input: Omit<Staff, 'id' | 'active'> & { active?: boolean }): Promise<Staff>;
  update(actor: StaffActor, staffId: string, changes: Partial<Omit<Staff, 'id'>>): Promise<Staff>;
  list(): Promise<Staff[]>;
  get(staffId: string): Promise<Staff>;
  findByTeamsId(teamsUserId: string): Promise<Staff | undefined>;
  findByWecomId(wecomUserId: string): Promise<Staff | undefined>;
  /** A new API token; the plain value is returned once and stored only hashed. */
  issueToken(
    actor: StaffActor | 'system',
    staffId: string,
    label?: string,
  ): Promise<{ id: string; token: string }>;
  revokeToken(actor: StaffActor, tokenId: string): Promise<void>;
  /** The staff member behind a bearer token, or undefined (unknown, revoked, inactive). */
  authenticate(token: string): Promise<StaffActor | undefined>;
}

// ---------------------------------------------------------------- chat bindings and sign-in

export interface ChatBinding {
  channel: ChatChannel;
  chatUserId: string;
  accountId: string | null;
  activeIdentityId: string | null;
  conversationRef: unknown;
  reachable: boolean;
  locale: string | null;
}

export type WebTokenPurpose = 'sign_in' | 'change_password' | 'forgot_password';

export interface SignInResult {
  account: Account;
  identities: Identity[];
  /** Set when the account has exactly one identity (it becomes active at once). */
  activeIdentityId: string | null;
}

export interface BindingService {
  /** Records that a chat user spoke: keeps the conversation reference and locale fresh. */
  touch(
    channel: ChatChannel,
    chatUserId: string,
    update?: { conversationRef?: unknown; locale?: string },
  ): Promise<ChatBinding>;
  get(channel: ChatChannel, chatUserId: string): Promise<ChatBinding | undefined>;
  /** The acting identity of a chat user; throws unauthenticated (not signed in) or forbidden (identity unbound: pick again). */
  actor(channel: ChatChannel, chatUserId: string): Promise<CustomerActor>;
  signInWithPassword(
    channel: ChatChannel,
    chatUserId: string,
    login: string,
    password: string,
  ): Promise<SignInResult>;
  requestSignInCode(channel: ChatChannel, chatUserId: string, login: string, locale: string): Promise<void>;
  signInWithCode(
    channel: ChatChannel,
    chatUserId: string,
    login: string,
    code: string,
  ): Promise<SignInResult>;
  selectIdentity(channel: ChatChannel, chatUserId: string, identityId: string): Promise<Identity>;
  signOut(channel: ChatChannel, chatUserId: string): Promise<void>;
  /** S1: staff sign every chat user of an account out. */
  revokeAll(staff: StaffActor, accountId: string): Promise<number>;
  listForAccount(accountId: string): Promise<ChatBinding[]>;
  markUnreachable(channel: ChatChannel, chatUserId: string): Promise<void>;
  setLocale(channel: ChatChannel, chatUserId: string, locale: string): Promise<void>;
  /** A one-time link token (10 minutes, single use) for a web page, tied to the chat user who asked. */
  createWebToken(purpose: WebTokenPurpose, channel: ChatChannel, chatUserId: string): Promise<string>;
  /** Validates without using it up (to show the page). */
  peekWebToken(
    token: string,
    purpose: WebTokenPurpose,
  ): Promise<{ channel: ChatChannel; chatUserId: string; accountId: string | null }>;
  /** Uses the token up; a second use, an expired or unknown token is an error. */
  consumeWebToken(
    token: string,
    purpose: WebTokenPurpose,
  ): Promise<{ channel: ChatChannel; chatUserId: string; accountId: string | null }>;
}

// ---------------------------------------------------------------- tickets

export interface TicketSummary {
  id: string;
  number: string | null;
  title: string;
  status: TicketStatus;
  priority: Priority | null;
  updatedAt: Date;
  createdAt: Date;
}

export interface TicketEvent {
  id: number;
  kind: string;
  actorType: 'customer' | 'staff' | 'system';
  actorName: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  url: string;
}

export type TicketAction =
  | 'queue'
  | 'rate'
  | 'reopen'
  | 'share'
  | 'cancel'
  | 'supplement'
  | 'submit'
  | 'edit'
  | 'delete';

export interface TicketDetails extends TicketSummary {
  description: string;
  category: string | null;
  queue: string | null;
  replyChannel: ReplyChannel | null;
  identityId: string;
  organizationId: string;
  submittedAt: Date | null;
  acceptedAt: Date | null;
  acceptedBy: { id: string; name: string } | null;
  resolvedAt: Date | null;
  resolution: string | null;
  closedAt: Date | null;
  rating: { stars: number; comment: string | null; createdAt: Date } | null;
  attachments: Attachment[];
  timeline: TicketEvent[];
  /** What this identity may do now (F7). */
  actions: TicketAction[];
}

export interface DraftFields {
  title?: string;
  description?: string;
  category?: string;
  priority?: Priority;
  replyChannel?: ReplyChannel;
}

export type ListScope = 'mine' | 'shared' | 'all' | 'drafts';

export interface ListQuery {
  scope: ListScope;
  status?: TicketStatus | TicketStatus[];
  /** Only tickets resolved at or after this instant (ISO 8601): the "resolved this month" drill-down (F4). */
  resolvedSince?: string;
  /** Opaque cursor from the previous page. */
  cursor?: string;
  limit?: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface QueuePosition {
  queue: string;
  position: number;
  waiting: number;
}

export interface Figure {
  key: 'waiting' | 'in_progress' | 'awaiting_rating' | 'resolved_this_month';
  scope: 'identity' | 'organization';
  count: number;
  /** The list this figure drills down to. */
  drillDown: ListQuery;
}

export interface TicketService {
  /**
   * `clientKey`: the key of the chat flow filing it. Creating again with the same key gives the same
   * ticket; updating or submitting a ticket this key already submitted is answered as done (a turn
   * replayed after a crash does nothing twice).
   */
  createDraft(
    actor: CustomerActor,
    fields: DraftFields,
    options?: { clientKey?: string },
  ): Promise<TicketDetails>;
  updateDraft(
    actor: CustomerActor,
    ticketId: string,
    fields: DraftFields,
    options?: { clientKey?: string },
  ): Promise<TicketDetails>;
  deleteDraft(actor: CustomerActor, ticketId: string): Promise<void>;
  /** Validates the draft, numbers it and puts it in its queue as waiting. */
  /** The position is null only for a replayed submit of a ticket that is no longer waiting. */
  submit(
    actor: CustomerActor,
    ticketId: string,
    options?: { clientKey?: string },
  ): Promise<{ ticket: TicketDetails; position: QueuePosition | null }>;
  addAttachment(actor: CustomerActor, ticketId: string, file: Omit<Attachment, 'id'>): Promise<Attachment>;
  list(actor: CustomerActor, query: ListQuery): Promise<Page<TicketSummary>>;
  /** By id or number; out of scope for the identity = not found. */
  get(actor: CustomerActor, ticketIdOrNumber: string): Promise<TicketDetails>;
  cancel(actor: CustomerActor, ticketId: string): Promise<TicketDetails>;
  /** `clientKey`: the message that carried it; the same key adds it once. */
  addSupplement(
    actor: CustomerActor,
    ticketId: string,
    text: string,
    options?: { clientKey?: string },
  ): Promise<TicketDetails>;
  /** "Not solved": a resolved ticket inside the rating window goes back to in progress. */
  reopen(actor: CustomerActor, ticketId: string, reason?: string): Promise<TicketDetails>;
  share(actor: CustomerActor, ticketId: string, identityId: string): Promise<void>;
  queuePosition(actor: CustomerActor, ticketId: string): Promise<QueuePosition>;
  figures(actor: CustomerActor): Promise<Figure[]>;
  rate(actor: CustomerActor, ticketId: string, stars: number, comment?: string): Promise<TicketDetails>;
}

export interface QueueEntry extends TicketSummary {
  position: number;
  queue: string;
  organizationId: string;
  submittedAt: Date;
}

export interface RatingEntry {
  ticketId: string;
  number: string;
  title: string;
  stars: number;
  comment: string | null;
  acceptedBy: string | null;
  createdAt: Date;
}

export interface StaffTicketService {
  queue(queue: string | undefined, page: { cursor?: string; limit?: number }): Promise<Page<QueueEntry>>;
  get(ticketIdOrNumber: string): Promise<TicketDetails>;
  list(filter: {
    organizationId?: string;
    status?: TicketStatus;
    cursor?: string;
    limit?: number;
  }): Promise<Page<TicketSummary>>;
  accept(staff: StaffActor, ticketId: string): Promise<TicketDetails>;
  reply(staff: StaffActor, ticketId: string, text: string): Promise<TicketDetails>;
  resolve(staff: StaffActor, ticketId: string, resolution: string): Promise<TicketDetails>;
  close(staff: StaffActor, ticketId: string): Promise<TicketDetails>;
  reopen(staff: StaffActor, ticketId: string, reason?: string): Promise<TicketDetails>;
  ratings(page: { lowFirst?: boolean; cursor?: string; limit?: number }): Promise<Page<RatingEntry>>;
}

/** Time-driven work, called by scheduled jobs; each is idempotent and safe to run from several workers. */
export interface TicketSweeps {
  /** Closes resolved tickets older than the rating window; returns how many. */
  autoClose(now?: Date): Promise<number>;
  /** Announces a rating reminder once per resolved, unrated ticket older than the reminder delay. */
  ratingReminders(now?: Date): Promise<number>;
  /** Announces queue milestones (10, 5, 1 = next) once per ticket and milestone. */
  queueMilestones(): Promise<number>;
}
