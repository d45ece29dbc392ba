import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebChatSessions } from '../../bot/web/session';
import { t } from '../../i18n';
import { loadConfig } from '../../platform/config';
import { deriveKey } from '../../platform/secret';
import type { Database } from '../../services/db/database';
import { openDatabase } from '../../services/db/open';
import { createTestDatabase, drivers } from '../support/db';
import { createOrganization } from '../support/fixtures';
import { WebChatClient } from '../support/webchat';

/**
 * Issue 10, item 3: a turn cut off by kill -9 after its dialogs ran and before it was committed runs
 * once when the page sends the same message again: the ticket is filed once; and a second server
 * takes the dead one's conversation lease over without waiting for it to run out.
 */

interface Child {
  process: ChildProcess;
  url: string;
}

function startChild(env: Record<string, string>): Promise<Child> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-server.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO_DATA: 'false',
      WEBCHAT_SESSIONS_PER_HOUR: '100000',
      WEBCHAT_MESSAGES_PER_MINUTE: '100000',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start:\n${output}`)), 60_000);
    child.stderr?.on('data', (d) => (output += d));
    child.stdout?.on('data', (d) => {
      output += d;
      const ready = /READY (\S+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve({ process: child, url: ready[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}):\n${output}`));
    });
  });
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.signalCode);
    child.once('exit', (_code, signal) => resolve(signal));
  });
}

const m = (key: string) => t('zh-CN', key);

/**
 * A customer already signed in on a web chat browser: the account, identity and binding written
 * directly, the browser's cookie made with the servers' (test) secret. Returns the account and cookie.
 */
async function signedInBrowser(db: Database): Promise<{ accountId: string; cookie: string }> {
  const org = await createOrganization(db);
  const tag = randomBytes(4).toString('hex');
  const { rows } = await db.query<{ id: string }>(
    `insert into accounts (phone, name, password_hash, must_change_password)
     values ($1, '王五', 'x', false) returning id`,
    [`+86135${String(parseInt(tag, 16) % 100_000_000).padStart(8, '0')}`],
  );
  const accountId = rows[0]!.id;
  const { rows: identity } = await db.query<{ id: string }>(
    `insert into identities (account_id, organization_id, display_name) values ($1, $2, '王五') returning id`,
    [accountId, org],
  );
  const sessions = new WebChatSessions(
    deriveKey(loadConfig({ NODE_ENV: 'test' }), 'web chat ids'),
    () => false,
  );
  const { chatUserId, cookieValue } = sessions.mint();
  await db.query(
    `insert into chat_bindings (channel, chat_user_id, account_id, active_identity_id, bound_at)
     values ('web', $1, $2, $3, now())`,
    [chatUserId, accountId, identity[0]!.id],
  );
  return { accountId, cookie: `hd_webchat=${cookieValue}` };
}

/** A new ticket filled in up to its summary. */
async function toSummary(chat: WebChatClient): Promise<void> {
  await chat.say(m('menu.new_ticket'));
  await chat.say('断电后无法开机');
  await chat.say('机房断电后服务器无法启动');
  await chat.say('技术故障');
  await chat.say('紧急');
  await chat.say('跳过');
  const summary = await chat.press(m('reply_channel.this_chat_default'));
  expect(summary.text).toContain(m('ticket.confirm_intro'));
}

/** Presses Submit with a fixed message id on a server that dies in that turn: the request breaks off. */
async function submitIntoCrash(chat: WebChatClient, child: Child, id: string): Promise<void> {
  await expect(chat.send({ text: m('ticket.submit'), value: { action: 'submit' }, id })).rejects.toThrow();
  expect(await exited(child.process)).toBe('SIGKILL');
}

async function ticketsOf(db: Database, accountId: string) {
  const { rows } = await db.query<{ status: string; number: string | null }>(
    'select status, number from tickets where account_id = $1',
    [accountId],
  );
  return rows;
}

describe('a turn cut off by kill -9 runs once when the page sends it again', () => {
  it('embedded database: the restarted server files the ticket once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-crash-'));
    const env = { DATA_DIR: dataDir, REDIS_PREFIX: `tc${randomBytes(4).toString('hex')}` };
    const servers: Child[] = [];
    try {
      // The embedded database belongs to one process at a time: seeded first, read again at the end.
      const seed = await openDatabase({ dataDir });
      const { accountId, cookie } = await signedInBrowser(seed);
      await seed.close();

      const first = await startChild({ ...env, CRASH_ON_ACTION: 'submit' });
      servers.push(first);
      const chat = new WebChatClient(first.url, { locale: 'zh-CN', cookie });
      await toSummary(chat);
      await submitIntoCrash(chat, first, 'crash-submit-0001');

      const second = await startChild(env);
      servers.push(second);
      const again = chat.sameBrowserOn(second.url);
      const resent = await again.send({
        text: m('ticket.submit'),
        value: { action: 'submit' },
        id: 'crash-submit-0001',
      });
      expect(resent.status).toBe(200);
      const text = resent.activities.map((a) => a.text).join('\n');
      expect(text).toMatch(/工单已提交，编号 T\d{8}-\d{4}/);
      // The same message once more: handled already.
      const third = await again.send({
        text: m('ticket.submit'),
        value: { action: 'submit' },
        id: 'crash-submit-0001',
      });
      expect(third).toMatchObject({ status: 200, duplicate: true, activities: [] });
      second.process.kill('SIGTERM');
      await exited(second.process);

      const check = await openDatabase({ dataDir });
      try {
        const tickets = await ticketsOf(check, accountId);
        expect(tickets).toHaveLength(1);
        expect(tickets[0]).toMatchObject({ status: 'waiting' });
        expect(text).toContain(tickets[0]!.number!);
      } finally {
        await check.close();
      }
    } finally {
      for (const server of servers) {
        server.process.kill('SIGKILL');
        await exited(server.process);
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  const onPostgres = drivers.includes('postgres') ? it : it.skip;
  onPostgres(
    'two servers on Postgres: the other server answers the resend at once (the dead one held the lease) and files the ticket once',
    async () => {
      const database = await createTestDatabase('postgres');
      const env = { DATABASE_URL: database.url!, REDIS_PREFIX: `tc${randomBytes(4).toString('hex')}` };
      const servers: Child[] = [];
      try {
        const { accountId, cookie } = await signedInBrowser(database.db);
        const dying = await startChild({ ...env, CRASH_ON_ACTION: 'submit' });
        const surviving = await startChild(env);
        servers.push(dying, surviving);
        const chat = new WebChatClient(dying.url, { locale: 'zh-CN', cookie });
        await toSummary(chat);
        await submitIntoCrash(chat, dying, 'crash-submit-0002');
        // The dead server still holds the conversation's lease (15 s); its heartbeat (5 s) has stopped.
        const started = Date.now();
        const resent = await chat.sameBrowserOn(surviving.url).send({
          text: m('ticket.submit'),
          value: { action: 'submit' },
          id: 'crash-submit-0002',
        });
        const waited = Date.now() - started;
        expect(resent.status).toBe(200);
        expect(resent.activities.map((a) => a.text).join('\n')).toMatch(/工单已提交，编号 T\d{8}-\d{4}/);
        // Taken over when the heartbeat ran out, not after the 10 s a live holder would be waited for.
        expect(waited).toBeLessThan(9500);
        const tickets = await ticketsOf(database.db, accountId);
        expect(tickets).toEqual([expect.objectContaining({ status: 'waiting' })]);
      } finally {
        for (const server of servers) {
          server.process.kill('SIGKILL');
          await exited(server.process);
        }
        await database.drop();
      }
    },
    180_000,
  );
});
