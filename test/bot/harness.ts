import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { ConversationState, TurnContext, UserState } from 'botbuilder';
import type { AppContext, Services } from '../../app/context';
import type { DialogRunner } from '../../bot/handler';
import { type BotRuntime, createBotRuntime } from '../../bot/runtime';
import { webChannel } from '../../bot/web';
import { toActivity } from '../../dialogs/say';
import { createHttpApp } from '../../http/server';
import { loadConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import type { ChatBinding, ChatChannel } from '../../services/contracts';
import type { Database } from '../../services/db/database';

/** A chat binding store in memory: just what the bot runtime itself uses (touch, get). */
export class FakeBindings {
  readonly rows = new Map<string, ChatBinding>();
  touches = 0;

  async touch(
    channel: ChatChannel,
    chatUserId: string,
    update: { conversationRef?: unknown; locale?: string } = {},
  ) {
    this.touches++;
    const key = `${channel}:${chatUserId}`;
    const row = this.rows.get(key) ?? {
      channel,
      chatUserId,
      accountId: null,
      activeIdentityId: null,
      conversationRef: null,
      reachable: true,
      locale: null,
    };
    if (update.conversationRef !== undefined) row.conversationRef = update.conversationRef;
    if (update.locale !== undefined) row.locale = update.locale;
    this.rows.set(key, row);
    return row;
  }

  async get(channel: ChatChannel, chatUserId: string) {
    return this.rows.get(`${channel}:${chatUserId}`);
  }
}

/**
 * A tiny stand-in for the helpdesk dialogs, to test the bot's plumbing on its own: counts messages in
 * conversation state, echoes, throws on demand, answers the resume event and greets newcomers.
 */
export class EchoDialogs implements DialogRunner {
  active = 0;
  maxActive = 0;
  runs = 0;
  delayMs = 0;
  private readonly count;

  constructor(conversationState: ConversationState, _userState: UserState) {
    this.count = conversationState.createProperty<number>('count');
  }

  async run(context: TurnContext): Promise<void> {
    this.runs++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      const a = context.activity;
      const locale = a.locale ?? 'zh-CN';
      if (a.type === 'conversationUpdate') {
        await context.sendActivity(toActivity({ kind: 'text', text: 'welcome' }, locale));
        return;
      }
      if (a.type === 'event') {
        await context.sendActivity(
          toActivity({ kind: 'text', text: `resumed:${(a.value as { kind: string }).kind}` }, locale),
        );
        return;
      }
      const count = (await this.count.get(context, 0)) + 1;
      await this.count.set(context, count);
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      if ((a.value as { action?: string } | undefined)?.action === 'boom') {
        throw new Error('internal detail: stack must not reach the user');
      }
      const files = (a.attachments ?? []).map((x) => `${x.name}:${x.contentType}:${x.contentUrl}`);
      await context.sendActivity(
        toActivity(
          {
            kind: 'choices',
            text: `echo:${a.text ?? ''} #${count}${files.length ? ` files=${files.join(',')}` : ''}`,
            choices: [{ label: 'Again', value: { action: 'again' }, synonyms: ['1'] }],
          },
          locale,
        ),
      );
    } finally {
      this.active--;
    }
  }
}

export interface BotHarness {
  url: string;
  ctx: AppContext;
  runtime: BotRuntime;
  dialogs: EchoDialogs;
  bindings: FakeBindings;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** The bot runtime with the web channel and EchoDialogs, served on a free port over `db`. */
export async function startBotHarness(db: Database, env: Record<string, string> = {}): Promise<BotHarness> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bot-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: dataDir,
    REDIS_PREFIX: `tb${randomBytes(4).toString('hex')}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    }),
  );
  const bindings = new FakeBindings();
  const ctx: AppContext = {
    config,
    logger,
    db,
    services: { bindings } as unknown as Services,
    now: () => new Date(),
  };
  let dialogs: EchoDialogs | undefined;
  const runtime = await createBotRuntime(ctx, {
    dialogs: (_deps, c, u) => {
      dialogs = new EchoDialogs(c, u);
      return dialogs;
    },
    plugins: [webChannel],
  });
  const app = createHttpApp({ logger, modules: runtime.modules, readiness: runtime.readiness });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.publicBaseUrl = url;
  return {
    url,
    ctx,
    runtime,
    dialogs: dialogs!,
    bindings,
    logs,
    async stop() {
      await runtime.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
