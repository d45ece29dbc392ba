import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Bot Connector (the Teams side of the Bot Framework REST API) as a real HTTP server on 127.0.0.1.
 * It records everything the bot sends - new activities, replies, updates (PUT) and new conversations -
 * and can be told to answer the next calls with an error (429 + Retry-After, 403, 404, 502 ...).
 * Activities posted to /api/messages carry `serviceUrl: connector.url`, so the bot answers here.
 */

export interface ConnectorCall {
  method: 'POST' | 'PUT' | 'DELETE' | 'GET';
  kind: 'send' | 'reply' | 'update' | 'delete' | 'create_conversation' | 'other';
  path: string;
  conversationId?: string;
  /** The activity replied to, updated or deleted. */
  activityId?: string;
  // biome-ignore lint/suspicious/noExplicitAny: recorded JSON, read by tests as they need.
  body: any;
  authorization?: string;
  at: number;
  /** The status the fake answered. */
  status: number;
}

export interface ScriptedFailure {
  status: number;
  /** Seconds for the Retry-After header. */
  retryAfter?: number;
  /** Error code in the body, like the real service: BotNotInConversationRoster, ConversationNotFound ... */
  code?: string;
  /** Only calls to this conversation fail (default: any). */
  conversationId?: string;
  /** How many calls fail (default 1). */
  times?: number;
}

export interface FakeBotConnector {
  /** Base URL with a trailing slash, as Teams sends serviceUrl. */
  url: string;
  calls: ConnectorCall[];
  /** Successful message sends and replies (not updates), in order. */
  sent(): ConnectorCall[];
  updates(): ConnectorCall[];
  /** The next matching calls answer with this error. */
  fail(failure: ScriptedFailure): void;
  /** Waits until `count` recorded calls satisfy `match` (default: any successful send or reply). */
  waitFor(
    match: (call: ConnectorCall) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<ConnectorCall[]>;
  waitForSent(count: number, timeoutMs?: number): Promise<ConnectorCall[]>;
  clear(): void;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function classify(
  method: string,
  path: string,
): Pick<ConnectorCall, 'kind' | 'conversationId' | 'activityId'> {
  const parts = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  // v3/conversations[/{id}/activities[/{activityId}]]
  if (parts[0] !== 'v3' || parts[1] !== 'conversations') return { kind: 'other' };
  if (parts.length === 2 && method === 'POST') return { kind: 'create_conversation' };
  const conversationId = parts[2];
  const activityId = parts[4];
  if (parts[3] !== 'activities') return { kind: 'other', conversationId };
  if (parts.length === 4 && method === 'POST') return { kind: 'send', conversationId };
  if (parts.length === 5 && method === 'POST') return { kind: 'reply', conversationId, activityId };
  if (parts.length === 5 && method === 'PUT') return { kind: 'update', conversationId, activityId };
  if (parts.length === 5 && method === 'DELETE') return { kind: 'delete', conversationId, activityId };
  return { kind: 'other', conversationId };
}

export async function startFakeBotConnector(): Promise<FakeBotConnector> {
  const calls: ConnectorCall[] = [];
  const failures: (ScriptedFailure & { left: number })[] = [];
  const waiters = new Set<() => void>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET') as ConnectorCall['method'];
    const path = req.url ?? '/';
    const body = await readJson(req);
    const info = classify(method, path);
    const failure = failures.find(
      (f) => f.left > 0 && (f.conversationId === undefined || f.conversationId === info.conversationId),
    );
    let status = 200;
    let payload: unknown;
    if (failure && info.kind !== 'other') {
      failure.left -= 1;
      status = failure.status;
      if (failure.retryAfter !== undefined) res.setHeader('Retry-After', String(failure.retryAfter));
      payload = { error: { code: failure.code ?? `Http${status}`, message: `scripted ${status}` } };
    } else if (info.kind === 'create_conversation') {
      payload = { id: `a:${randomUUID()}`, activityId: randomUUID() };
      status = 201;
    } else if (info.kind === 'update') {
      payload = { id: info.activityId };
    } else if (info.kind === 'send' || info.kind === 'reply') {
      payload = { id: `1:${randomUUID()}` };
      status = 201;
    } else {
      payload = {};
    }
    calls.push({
      method,
      path,
      ...info,
      body,
      authorization: req.headers.authorization,
      at: Date.now(),
      status,
    });
    // Tests look at the returned ids: record the id the bot was given.
    const last = calls[calls.length - 1]!;
    if (status < 300 && payload && typeof payload === 'object' && 'id' in payload && last.body) {
      (last.body as { id?: string }).id ??= (payload as { id: string }).id;
    }
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(payload));
    for (const wake of waiters) wake();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const ok = (call: ConnectorCall) => call.status < 300;

  const connector: FakeBotConnector = {
    url: `http://127.0.0.1:${port}/`,
    calls,
    sent: () => calls.filter((c) => ok(c) && (c.kind === 'send' || c.kind === 'reply')),
    updates: () => calls.filter((c) => ok(c) && c.kind === 'update'),
    fail(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    waitFor(match, count = 1, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = calls.filter(match);
          if (found.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `fake connector: expected ${count} matching calls within ${timeoutMs} ms, got ${calls.filter(match).length} (all: ${calls.map((c) => `${c.kind}:${c.status}`).join(', ')})`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    waitForSent(count, timeoutMs) {
      return connector.waitFor((c) => ok(c) && (c.kind === 'send' || c.kind === 'reply'), count, timeoutMs);
    },
    clear() {
      calls.length = 0;
      failures.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return connector;
}

// ---------------------------------------------------------------- the Teams client side

/** An Adaptive Card as the tests read it. */
// biome-ignore lint/suspicious/noExplicitAny: card JSON, walked generically.
export type CardJson = Record<string, any>;

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The Adaptive Card a recorded call carries (send, reply or update), if any. */
export function cardOf(call: ConnectorCall): CardJson | undefined {
  const attachments = (call.body?.attachments ?? []) as { contentType: string; content: CardJson }[];
  return attachments.find((a) => a.contentType === ADAPTIVE_CARD_TYPE)?.content;
}

/** Every element of a card, depth first (body, containers, columns, action sets, actions). */
export function cardElements(card: CardJson): CardJson[] {
  const out: CardJson[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const element = node as CardJson;
    if (typeof element.type === 'string') out.push(element);
    for (const key of ['body', 'items', 'columns', 'actions', 'selectAction']) walk(element[key]);
  };
  walk(card);
  return out;
}

/** All text a user sees on a message: its text, or the card's text blocks, facts and input labels. */
export function textOf(call: ConnectorCall): string {
  const card = cardOf(call);
  if (!card) return String(call.body?.text ?? '');
  const parts: string[] = [];
  for (const e of cardElements(card)) {
    if (e.type === 'TextBlock') parts.push(String(e.text));
    if (e.type === 'FactSet') for (const f of e.facts) parts.push(`${f.title}: ${f.value}`);
    if (e.type?.startsWith('Input.')) parts.push(String(e.label ?? ''));
    if (e.type === 'Action.Submit' || e.type === 'Action.OpenUrl') if (e.title) parts.push(String(e.title));
  }
  return parts.join('\n');
}

/** The submit data of the button titled `title` (or the first matching `match`) on a card. */
export function submitData(card: CardJson, title: string | ((data: CardJson) => boolean)): CardJson {
  const actions = cardElements(card).filter((e) => e.type === 'Action.Submit');
  const found =
    typeof title === 'string' ? actions.find((a) => a.title === title) : actions.find((a) => title(a.data));
  if (!found) {
    throw new Error(
      `no button ${String(title)} on the card; buttons: ${actions.map((a) => a.title).join(', ')}`,
    );
  }
  return { ...found.data };
}

export interface FakeTeamsUserOptions {
  botUrl: string;
  connector: FakeBotConnector;
  userId?: string;
  aadObjectId?: string;
  name?: string;
  locale?: string;
  tenantId?: string;
  botId?: string;
  /** Another conversation than a new personal chat (a team channel: '19:...@thread.tacv2'). */
  conversation?: { id: string; conversationType: 'personal' | 'channel' | 'groupChat' };
  /** A bearer token for each request (when the bot has an app id). */
  token?: (serviceUrl: string) => Promise<string>;
}

/**
 * A Teams user in a personal chat with the bot: posts real Bot Framework activities to the bot's
 * /api/messages with serviceUrl = the fake connector, and returns what the bot sent back meanwhile.
 * The endpoint answers once the turn is done, so a turn's messages are all recorded when a call returns.
 */
export class FakeTeamsUser {
  readonly userId: string;
  readonly aadObjectId: string;
  readonly conversationId: string;
  readonly locale: string;
  readonly tenantId: string;
  readonly botId: string;
  /** The status of the last request to /api/messages. */
  lastStatus = 0;

  constructor(private readonly options: FakeTeamsUserOptions) {
    this.userId = options.userId ?? `29:${randomUUID()}`;
    this.aadObjectId = options.aadObjectId ?? randomUUID();
    this.conversationId = options.conversation?.id ?? `a:${randomUUID()}`;
    this.locale = options.locale ?? 'zh-CN';
    this.tenantId = options.tenantId ?? 'tenant-1';
    this.botId = options.botId ?? '28:helpdesk-bot';
  }

  activity(partial: Record<string, unknown>): Record<string, unknown> {
    return {
      id: `f:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      localTimestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: this.options.connector.url,
      from: { id: this.userId, name: this.options.name ?? 'Teams User', aadObjectId: this.aadObjectId },
      recipient: { id: this.botId, name: 'Helpdesk' },
      conversation: {
        id: this.conversationId,
        conversationType: this.options.conversation?.conversationType ?? 'personal',
        isGroup: (this.options.conversation?.conversationType ?? 'personal') !== 'personal',
        tenantId: this.tenantId,
      },
      channelData: { tenant: { id: this.tenantId } },
      locale: this.locale,
      entities: [{ type: 'clientInfo', locale: this.locale, country: 'CN', platform: 'Web' }],
      ...partial,
    };
  }

  /** Posts one activity; returns the messages the bot sent (or updated) during the request. */
  async post(
    activity: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<ConnectorCall[]> {
    const before = this.options.connector.calls.length;
    const auth: Record<string, string> = this.options.token
      ? { authorization: `Bearer ${await this.options.token(this.options.connector.url)}` }
      : {};
    const res = await fetch(`${this.options.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth, ...headers },
      body: JSON.stringify(activity),
    });
    this.lastStatus = res.status;
    await res.text();
    return this.options.connector.calls.slice(before).filter((c) => c.conversationId === this.conversationId);
  }

  install(): Promise<ConnectorCall[]> {
    return this.post(
      this.activity({
        type: 'conversationUpdate',
        membersAdded: [{ id: this.botId }],
      }),
    );
  }

  uninstall(): Promise<ConnectorCall[]> {
    return this.post(this.activity({ type: 'installationUpdate', action: 'remove' }));
  }

  say(text: string): Promise<ConnectorCall[]> {
    return this.post(this.activity({ type: 'message', text, textFormat: 'plain' }));
  }

  /** Presses an Action.Submit: Teams sends its data merged with the card's input values, as `value`. */
  press(data: CardJson, inputs: Record<string, string> = {}, replyToId?: string): Promise<ConnectorCall[]> {
    return this.post(this.activity({ type: 'message', value: { ...data, ...inputs }, replyToId }));
  }
}
