import { randomInt } from 'node:crypto';
import {
  type Activity,
  ConversationState,
  MemoryStorage,
  type Storage,
  TestAdapter,
  UserState,
} from 'botbuilder';
import type { Services } from '../../app/context';
import { HelpdeskDialogs } from '../../dialogs';
import type { Reply } from '../../dialogs/replies';
import { replyOf } from '../../dialogs/say';
import { loadConfig } from '../../platform/config';
import { createServices } from '../../services';
import type { StaffActor } from '../../services/contracts';
import type { Database } from '../../services/db/database';
import { TEST_SCRYPT } from '../../services/passwords';

/**
 * Dialog tests without HTTP: botbuilder's TestAdapter and MemoryStorage around the real
 * HelpdeskDialogs and the real services on a test database. Each chat user gets its own adapter
 * (its own conversation); all share one storage, as one bot process does.
 */

export const CATEGORIES = ['account', 'billing', 'technical', 'other'];

export function buildServices(db: Database, now: () => Date): Services {
  return createServices(db, {
    categories: CATEGORIES,
    ratingWindowDays: 7,
    ratingReminderHours: 24,
    now,
    scrypt: TEST_SCRYPT,
  });
}

export interface BotTurn {
  activities: Partial<Activity>[];
  /** Every text of the turn, joined: what a text-only channel shows. */
  text: string;
  replies: Reply[];
  /** The last reply (the question now waiting). */
  last: Reply | undefined;
}

export class DialogBot {
  readonly storage: Storage;
  readonly services: Services;
  readonly config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: 'https://help.example.com',
  });
  private readonly dialogs: HelpdeskDialogs;
  private readonly conversationState: ConversationState;
  private readonly userState: UserState;

  constructor(
    readonly db: Database,
    options: { storage?: Storage; now?: () => Date } = {},
  ) {
    const now = options.now ?? (() => new Date());
    this.storage = options.storage ?? new MemoryStorage();
    this.services = buildServices(db, now);
    this.conversationState = new ConversationState(this.storage);
    this.userState = new UserState(this.storage);
    this.dialogs = new HelpdeskDialogs(
      { services: this.services, config: this.config, now },
      this.conversationState,
      this.userState,
    );
  }

  chat(chatUserId = `web-${randomInt(1e9)}`, locale = 'zh-CN'): Chat {
    const template: Partial<Activity> = {
      channelId: 'web',
      serviceUrl: 'https://test',
      conversation: { id: `conv-${chatUserId}`, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: chatUserId, name: 'Customer' },
      recipient: { id: 'bot', name: 'Helpdesk' },
      locale,
    };
    const adapter = new TestAdapter(async (context) => {
      await this.dialogs.run(context);
      await this.conversationState.saveChanges(context);
      await this.userState.saveChanges(context);
    }, template);
    return new Chat(adapter, chatUserId);
  }
}

export class Chat {
  constructor(
    private readonly adapter: TestAdapter,
    readonly chatUserId: string,
  ) {}

  /** Sends typed text, or a pressed button value (with its label as text), and returns the bot's turn. */
  async say(
    input: string | { value: Record<string, unknown>; text?: string },
    extra: Partial<Activity> = {},
  ): Promise<BotTurn> {
    const activity: Partial<Activity> =
      typeof input === 'string'
        ? { type: 'message', text: input, ...extra }
        : { type: 'message', text: input.text ?? '', value: input.value, ...extra };
    return this.process(activity);
  }

  async event(activity: Partial<Activity>): Promise<BotTurn> {
    return this.process(activity);
  }

  private async process(activity: Partial<Activity>): Promise<BotTurn> {
    await this.adapter.processActivity(activity);
    const activities = this.adapter.activeQueue.splice(0) as Partial<Activity>[];
    const replies = activities.map((a) => replyOf(a)).filter((r): r is Reply => r !== undefined);
    return {
      activities,
      text: activities.map((a) => a.text ?? '').join('\n'),
      replies,
      last: replies.at(-1),
    };
  }
}

export const ADMIN: StaffActor = { staffId: '00000000-0000-4000-8000-000000000001', role: 'admin' };

let seq = 0;
export function uniquePhone(): string {
  seq += 1;
  return `137${String(randomInt(0, 10_000)).padStart(4, '0')}${String(seq).padStart(4, '0')}`;
}

/** The customer's password after `openCustomer` changed the initial one. */
export const CUSTOMER_PASSWORD = 'Customer-pass-1';

/**
 * Opens an account (as staff do, F1) with the given identities in one new organization. The initial
 * password is then changed (as the customer must before anything else), unless `keepInitialPassword`.
 */
export async function openCustomer(
  where: { services: Services; db: Database },
  options: { identities?: string[]; name?: string; email?: string; keepInitialPassword?: boolean } = {},
) {
  const { services, db } = where;
  const org = await services.organizations.create(ADMIN, `Org ${randomInt(1e9)}`);
  const phone = uniquePhone();
  const { account, identities } = await services.accounts.open(ADMIN, {
    phone,
    email: options.email,
    name: options.name ?? '张三',
    identities: (options.identities ?? ['Contact']).map((displayName) => ({
      organizationId: org.id,
      displayName,
    })),
  });
  if (!options.keepInitialPassword) {
    const { rows } = await db.query<{ password: string }>(
      `select payload->'secret'->>'password' as password from outbox
        where topic = 'account.credentials' and payload->>'accountId' = $1 order by id desc limit 1`,
      [account.id],
    );
    await services.accounts.changePassword(account.id, rows[0]!.password, CUSTOMER_PASSWORD);
  }
  return { account, identities, phone, org };
}

/** The code most recently sent to a phone or email (read from the outbox, as the SMS worker would). */
export async function lastCode(db: Database, address: string): Promise<string> {
  const { rows } = await db.query<{ payload: { secret: { code: string } } }>(
    `select payload from outbox where topic = 'code.requested' and payload->'target'->>'address' = $1
     order by id desc limit 1`,
    [address],
  );
  if (!rows[0]) throw new Error(`no code sent to ${address}`);
  return rows[0].payload.secret.code;
}

/** Signs a chat in by code through the dialogs (F2b). */
export async function signInByCode(
  db: Database,
  chat: Chat,
  login: string,
  address = login,
): Promise<BotTurn> {
  await chat.say('验证码登录');
  await chat.say(login);
  return chat.say(await lastCode(db, address));
}

/** The numbered line of a text fallback that contains `label` -> its number, for typing it. */
export function numberOf(text: string, label: string): string {
  const line = text.split('\n').find((l) => /^\d+\. /.test(l) && l.includes(label));
  if (!line) throw new Error(`no numbered line with "${label}" in:\n${text}`);
  return line.split('.')[0]!;
}
