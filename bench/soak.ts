/**
 * The soak (issue 10): the product as `npm start` runs it (`node dist/app/main.js all`, one process,
 * server and workers), driven for minutes by many web chat users mixing every flow, with a share of
 * malformed input, staff working the queue through the staff API, and its Redis killed and restarted
 * empty half-way. At the end: every HTTP answer, every chat answer and every log line is checked for
 * errors; every ticket change must have reached its customer's chat exactly once; the process's
 * memory at the end is compared with the start.
 *
 *   npm run soak                                   50 users, 5 minutes, embedded PGlite
 *   SOAK_USERS=20 SOAK_MINUTES=1 npm run soak      a shorter run
 *   SOAK_DATABASE_URL=postgres://... npm run soak  on a Postgres server (a database of its own is made)
 *
 * Needs `redis-server` on the PATH (a private one is started on a free port, so the restart touches
 * nothing else). Results: a summary on stdout and bench/results/soak.json; exit 1 when a check fails.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findButton, type WebMessage } from '../bot/render/web';
import { t } from '../i18n';
import type { Database } from '../services/db/database';
import { openDatabase } from '../services/db/open';

const USERS = Number(process.env.SOAK_USERS ?? 50);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 5);
const MALFORMED = Number(process.env.SOAK_MALFORMED ?? 0.05);
/** Memory is compared from this far into the load (caches, pools and the JIT warmed up) to its end. */
const WARMUP_S = Number(process.env.SOAK_WARMUP_S ?? 60);
const POSTGRES = process.env.SOAK_DATABASE_URL;
/** After the load: how long the workers get to deliver what is still on its way (a wiped Redis's jobs are made again after 60 s). */
const SETTLE_MS = Number(process.env.SOAK_SETTLE_MS ?? 120_000);

const m = (key: string, params?: Record<string, string | number>) => t('zh-CN', key, params);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What a user never wants to read: the turn failed, or ran out of its budget. */
const APOLOGIES = [
  m('runtime.turn_failed'),
  m('error.unexpected'),
  m('main.turn_budget'),
  m('runtime.turn_conflict'),
];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------ the outside: Redis and the app

class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await sleep(300);
  }
  /** Like a crash: no shutdown, everything in memory is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

interface App {
  child: ChildProcess;
  url: string;
  adminToken: string;
  /** Log lines at warn level or above that the app wrote (JSON). */
  problems: { level: number; msg: string }[];
  rss(): number;
}

/** Starts `node dist/app/main.js all` and resolves once /healthz answers. */
function startApp(env: Record<string, string>, port: number, adminToken: string): Promise<App> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'app', 'main.js'), 'all'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const problems: App['problems'] = [];
  let output = '';
  let pending = '';
  const onData = (chunk: Buffer) => {
    output += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level: number; msg: string };
        if (entry.level >= 40) problems.push(entry);
      } catch {
        // not a log line
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const url = `http://127.0.0.1:${port}`;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 180_000;
    child.once('exit', (code) => reject(new Error(`the app exited (${code}):\n${output}`)));
    const poll = async () => {
      const up = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) {
        resolve({
          child,
          url,
          adminToken,
          problems,
          rss: () => {
            const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
            return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
          },
        });
        return;
      }
      if (Date.now() > deadline) reject(new Error(`the app did not start:\n${output}`));
      else setTimeout(poll, 250);
    };
    void poll();
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

// ------------------------------------------------------------------ a browser of the web chat

interface Counters {
  turns: number;
  malformed: number;
  errors: string[];
}

class Browser {
  private cookie = '';
  last: WebMessage[] = [];

  constructor(
    readonly app: App,
    private readonly counters: Counters,
  ) {}

  private async post(
    path: string,
    body: unknown,
    raw?: string,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${this.app.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-webchat': '1',
        'accept-language': 'zh-CN',
        cookie: this.cookie,
      },
      body: raw ?? JSON.stringify(body),
    });
    const set = res.headers.get('set-cookie')?.match(/hd_webchat=([^;]+)/);
    if (set) this.cookie = `hd_webchat=${set[1]}`;
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status >= 500) this.counters.errors.push(`${path} -> HTTP ${res.status}`);
    return { status: res.status, json };
  }

  get text(): string {
    return this.last.map((message) => message.text).join('\n');
  }

  private check(what: string): void {
    for (const apology of APOLOGIES) {
      if (this.text.includes(apology)) this.counters.errors.push(`${what}: "${apology}"`);
    }
  }

  async open(): Promise<void> {
    const { json } = await this.post('/api/webchat/session', { locale: 'zh-CN' });
    this.last = (json.activities as WebMessage[]) ?? [];
  }

  async send(message: { text?: string; value?: unknown }, what: string): Promise<number> {
    this.counters.turns += 1;
    const { status, json } = await this.post('/api/webchat/messages', {
      id: `s${randomUUID().replaceAll('-', '')}`,
      ...message,
    });
    this.last = status === 200 ? ((json.activities as WebMessage[]) ?? []) : [];
    if (status === 200) this.check(what);
    else if (status !== 400 && status !== 429) this.counters.errors.push(`${what} -> HTTP ${status}`);
    return status;
  }

  say(text: string): Promise<number> {
    return this.send({ text }, `say ${text.slice(0, 20)}`);
  }

  /** Presses a button of the last answer; false when there is none with that label. */
  async press(label: string): Promise<boolean> {
    const button = findButton(this.last, label);
    if (!button) return false;
    await this.send(
      { text: button.text ?? button.label, value: button.value ?? undefined },
      `press ${label}`,
    );
    return true;
  }

  async submitForm(formId: string, fields: Record<string, string>): Promise<void> {
    const form = this.last
      .flatMap((message) => message.blocks)
      .find((b) => b.kind === 'form' && b.formId === formId);
    if (form?.kind !== 'form') return;
    await this.send(
      { text: form.submit.label, value: { ...form.submit.value, ...fields } },
      `form ${formId}`,
    );
  }

  link(): string | undefined {
    const block = this.last.flatMap((message) => message.blocks).find((b) => b.kind === 'link');
    return block?.kind === 'link' ? block.url : undefined;
  }

  /** The codes this browser asked for, newest first (the development panel). */
  async devCodes(): Promise<string[]> {
    const res = await fetch(`${this.app.url}/api/webchat/dev/outbox`, { headers: { cookie: this.cookie } });
    const json = (await res.json()) as { messages?: { text: string }[] };
    return (json.messages ?? [])
      .map((message) => /\b(\d{6})\b/.exec(message.text)?.[1])
      .filter((c): c is string => !!c);
  }

  /** Malformed input of every kind a careless or hostile client sends: answered, never a failure. */
  async malformed(pick: number): Promise<void> {
    this.counters.malformed += 1;
    switch (pick % 7) {
      case 0:
        await this.say(`坏\u0000字符${pick}`);
        break;
      case 1:
        await this.send({ text: 'x', value: { action: 'list', scope: 'org' } }, 'junk list value');
        break;
      case 2:
        await this.send({ text: 'x', value: { action: 'list', status: 'bogus' } }, 'junk status value');
        break;
      case 3:
        await this.send(
          { text: 'x', value: { action: 'open_ticket', ticketId: '../../etc' } },
          'junk ticket value',
        );
        break;
      case 4:
        await this.send({ value: { action: 'x', nested: { a: 1 } } }, 'nested value');
        break;
      case 5: {
        const { status } = await this.post('/api/webchat/messages', undefined, '{"text": "unfinished');
        if (status !== 400) this.counters.errors.push(`malformed JSON -> HTTP ${status}`);
        break;
      }
      default:
        await this.send({ text: 'y'.repeat(5000) }, 'oversize text');
    }
  }
}

// ------------------------------------------------------------------ the secret pages

async function postForm(
  app: App,
  html: string,
  fields: Record<string, string>,
  cookie: string,
): Promise<{ status: number; html: string; cookie: string }> {
  const form = /<form method="post" action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error('no form on the page');
  const hidden: Record<string, string> = {};
  for (const h of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    hidden[h[1]!] = h[2]!.replace(/&amp;/g, '&');
  const res = await fetch(`${app.url}${form[1]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ ...hidden, ...fields }).toString(),
  });
  return { status: res.status, html: await res.text(), cookie };
}

async function getPage(app: App, url: string): Promise<{ html: string; cookie: string }> {
  const res = await fetch(url.replace(/^https?:\/\/[^/]+/, app.url));
  const cookie = (res.headers.getSetCookie() ?? []).map((c) => c.split(';')[0]).join('; ');
  return { html: await res.text(), cookie };
}

// ------------------------------------------------------------------ users and staff

const PASSWORD = 'Soak-pass-2026';

/** A customer opened by staff, who resets the initial password (F11) and signs in on the web page (F2a). */
async function setUpUser(
  app: App,
  counters: Counters,
  index: number,
  organizationId: string,
): Promise<Browser> {
  const phone = `+86137${String(10_000_000 + index).slice(-8)}`;
  const opened = await api(app, 'POST', '/accounts', {
    phone,
    name: `客户${index}`,
    identities: [{ organizationId, displayName: `客户${index}` }],
  });
  if (opened.status !== 201) throw new Error(`open account: HTTP ${opened.status}`);
  const browser = new Browser(app, counters);
  await browser.open();
  await browser.press(m('menu.forgot_password'));
  const forgot = await getPage(app, browser.link()!);
  const asked = await postForm(app, forgot.html, { login: phone }, forgot.cookie);
  let code: string | undefined;
  for (let i = 0; i < 200 && !code; i++) {
    code = (await browser.devCodes())[0];
    if (!code) await sleep(50);
  }
  if (!code) throw new Error(`no reset code for ${phone}`);
  const reset = await postForm(app, asked.html, { code, next: PASSWORD, confirm: PASSWORD }, asked.cookie);
  if (reset.status !== 200) throw new Error(`password reset: HTTP ${reset.status}`);
  await browser.press(m('menu.sign_in_web'));
  const signIn = await getPage(app, browser.link()!);
  const done = await postForm(app, signIn.html, { login: phone, password: PASSWORD }, signIn.cookie);
  if (done.status !== 200) throw new Error(`web sign-in: HTTP ${done.status}`);
  await browser.say(m('common.menu'));
  if (!browser.text.includes(m('figure.waiting')))
    throw new Error(`user ${index} is not signed in:\n${browser.text}`);
  return browser;
}

async function api(app: App, method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** One thing a user does, chosen at random: every customer flow, and now and then something malformed. */
async function act(browser: Browser, rng: () => number, n: number): Promise<void> {
  if (rng() < MALFORMED) return browser.malformed(n);
  const r = rng();
  if (r < 0.25) {
    await browser.say(m('common.menu'));
    await browser.press(m('menu.new_ticket'));
    await browser.submitForm('new_ticket', {
      title: `问题 ${n}`,
      description: `第 ${n} 个问题的描述`,
      category: ['account', 'billing', 'technical', 'other'][n % 4]!,
      priority: ['urgent', 'high', 'normal', 'low'][n % 4]!,
    });
    await browser.press(m('ticket.attachments_skip'));
    await browser.press(m('reply_channel.this_chat_default'));
    await browser.press(m('ticket.submit'));
  } else if (r < 0.45) {
    await browser.say(m('common.menu'));
    await browser.press(m('menu.my_tickets'));
    const item = browser.last.flatMap((message) => message.blocks).find((b) => b.kind === 'list');
    if (item?.kind === 'list' && item.items.length > 0) {
      await browser.press(item.items[Math.floor(rng() * item.items.length)]!.title);
      if (rng() < 0.5 && (await browser.press(m('details.action.supplement'))))
        await browser.say(`补充 ${n}`);
      else if (await browser.press(m('details.action.queue'))) {
        // the position is the answer
      }
    }
  } else if (r < 0.6) {
    // Rate a resolved ticket, if there is one: the home figure drills down to them.
    await browser.say(m('common.menu'));
    if (await browser.press(m('figure.awaiting_rating'))) {
      const item = browser.last.flatMap((message) => message.blocks).find((b) => b.kind === 'list');
      if (item?.kind === 'list' && item.items.length > 0) {
        await browser.press(item.items[0]!.title);
        if (await browser.press(m('details.action.rate'))) {
          await browser.say(String(1 + Math.floor(rng() * 5)));
          await browser.say(rng() < 0.5 ? m('common.skip') : `评价 ${n}`);
        }
      }
    }
  } else if (r < 0.7) {
    await browser.say(m('common.menu'));
    await browser.press(m('menu.profile'));
  } else if (r < 0.78) {
    await browser.say('帮助');
  } else if (r < 0.86) {
    await browser.say('English');
    await browser.say('中文');
  } else if (r < 0.93) {
    await browser.say(m('common.menu'));
    await browser.press(m('menu.drafts'));
  } else {
    await browser.say('菜单');
    await browser.press(m('menu.all'));
    await browser.press(m('list.next'));
  }
}

/** Staff take tickets from the queue, reply and resolve them: each change a notification to its customer. */
async function staffLoop(app: App, until: number, counters: Counters): Promise<number> {
  let changes = 0;
  while (Date.now() < until) {
    const queue = await api(app, 'GET', '/queue?limit=10');
    if (queue.status >= 500) counters.errors.push(`GET /queue -> ${queue.status}`);
    const items = (queue.json.items as { id: string }[] | undefined) ?? [];
    for (const item of items) {
      for (const [path, body] of [
        [`/tickets/${item.id}/accept`, {}],
        [`/tickets/${item.id}/replies`, { text: '我们正在处理' }],
        [`/tickets/${item.id}/resolve`, { resolution: '已处理完毕' }],
      ] as const) {
        const res = await api(app, 'POST', path, body);
        if (res.status >= 200 && res.status < 300) changes += 1;
        else if (res.status >= 500) counters.errors.push(`POST ${path} -> ${res.status}`);
        if (Date.now() >= until) break;
      }
    }
    await sleep(items.length === 0 ? 500 : 100);
  }
  return changes;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------ the run

async function main(): Promise<void> {
  const redis = new PrivateRedis(await freePort());
  await redis.start();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-soak-'));
  let databaseUrl: string | undefined;
  let dropDatabase = async (): Promise<void> => {};
  if (POSTGRES) {
    const name = `soak_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(POSTGRES);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: POSTGRES });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const counters: Counters = { turns: 0, malformed: 0, errors: [] };
  let app: App | undefined;
  try {
    const env = {
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'soak',
      LOG_LEVEL: 'warn',
      DEMO_DATA: 'false',
      WEBCHAT_SESSIONS_PER_HOUR: '100000',
      WEBCHAT_MESSAGES_PER_MINUTE: '100000',
      // Every simulated user comes from 127.0.0.1.
      PAGES_VIEWS_PER_MINUTE: '100000',
      PAGES_POSTS_PER_10_MINUTES: '100000',
    };
    // The first admin and its token, as an operator makes them (this also makes the empty database, so
    // the run measures the server as it runs day to day, not a first start that pays for initdb).
    const adminToken = spawnSync(
      process.execPath,
      [join(__dirname, '..', 'scripts', 'staff-token.js'), '--create-admin', 'Soak Admin'],
      {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      },
    ).stdout.trim();
    if (!/^hd_[\w-]+$/.test(adminToken)) throw new Error(`could not make an admin token: ${adminToken}`);
    app = await startApp(env, port, adminToken);
    process.stdout.write(
      `soak: app up on ${app.url} (${databaseUrl ? 'Postgres' : 'PGlite'}); setting up ${USERS} users\n`,
    );
    const organization = await api(app, 'POST', '/organizations', { name: `Soak ${Date.now()}` });
    const browsers: Browser[] = [];
    for (let i = 0; i < USERS; i += 10) {
      browsers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(10, USERS - i) }, (_, j) =>
            setUpUser(app!, counters, i + j, organization.json.id as string),
          ),
        )),
      );
    }
    const setupRss = app.rss();
    const started = Date.now();
    const until = started + MINUTES * 60_000;
    const restartAt = started + (MINUTES * 60_000) / 2;
    process.stdout.write(
      `soak: ${USERS} users signed in; load for ${MINUTES} min, Redis restart at the middle\n`,
    );
    // RSS every 5 s; "start" is where the load has warmed up (caches and the JIT filled): WARMUP_S in.
    const rssSamples: { s: number; mb: number }[] = [];
    const sampler = setInterval(
      () => rssSamples.push({ s: Math.round((Date.now() - started) / 1000), mb: app!.rss() / 1048576 }),
      5000,
    );
    let redisRestarted = false;
    const restart = (async () => {
      await sleep(restartAt - Date.now());
      await redis.kill();
      await sleep(3000);
      await redis.start();
      redisRestarted = true;
      process.stdout.write('soak: Redis killed and restarted (empty)\n');
    })();
    const progress = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      process.stdout.write(`soak: ${s} s, ${counters.turns} turns, ${counters.errors.length} errors\n`);
    }, 30_000);
    const [staffChanges] = await Promise.all([
      staffLoop(app, until, counters),
      ...browsers.map(async (browser, i) => {
        const rng = seeded(2026 + i);
        for (let n = 0; Date.now() < until; n++) {
          await act(browser, rng, n);
          await sleep(100 + Math.floor(rng() * 400));
        }
      }),
      restart,
    ]);
    clearInterval(progress);
    clearInterval(sampler);
    const endRss = app.rss();
    process.stdout.write(`soak: load done; waiting up to ${SETTLE_MS / 1000} s for the last notifications\n`);

    // Every ticket change of the run must reach its customer's chat exactly once.
    const stopAndOpen = async (): Promise<Database> => {
      if (databaseUrl) return openDatabase({ url: databaseUrl, dataDir });
      await stop(app!.child);
      return openDatabase({ dataDir });
    };
    const deadline = Date.now() + SETTLE_MS;
    let db: Database | undefined;
    if (databaseUrl) {
      db = await stopAndOpen();
      while (Date.now() < deadline) {
        const { rows } = await db.query<{ n: number }>(
          'select count(*)::int as n from outbox where processed_at is null',
        );
        if (rows[0]!.n === 0) break;
        await sleep(1000);
      }
      await stop(app.child);
    } else {
      // The embedded database belongs to the app until it stops: give the workers the settle time.
      await sleep(SETTLE_MS);
      db = await stopAndOpen();
    }
    const { rows: unprocessed } = await db.query<{ n: number }>(
      'select count(*)::int as n from outbox where processed_at is null',
    );
    const { rows: changes } = await db.query<{ n: number; lost: number }>(
      `with changes as (
         select o.id, 'o' || o.id || '|chat:web:' || (t.reply_channel->>'chatUserId') || '|web' as key
           from outbox o join tickets t on t.id = (o.payload->>'ticketId')::uuid
          where o.topic = 'ticket.changed' and t.reply_channel->>'kind' = 'chat')
       select count(*)::int as n,
              count(*) filter (where not exists (select 1 from web_chat_inbox w where w.activity->>'id' = c.key))::int as lost
         from changes c`,
    );
    const { rows: doubled } = await db.query<{ n: number }>(
      `select count(*)::int as n from (select activity->>'id' from web_chat_inbox
         where activity->>'id' like 'o%' group by 1 having count(*) > 1) d`,
    );
    const { rows: tickets } = await db.query<{ n: number }>(
      "select count(*)::int as n from tickets where status <> 'draft'",
    );
    const { rows: open } = await db.query<{ topic: string; n: number }>(
      'select topic, count(*)::int as n from outbox where processed_at is null group by topic',
    );
    await db.close();

    const errorLogs = app.problems.filter((p) => p.level >= 50);
    const warm = rssSamples.find((sample) => sample.s >= WARMUP_S) ?? rssSamples[0];
    const startRss = (warm?.mb ?? setupRss / 1048576) * 1048576;
    const growth = endRss / startRss - 1;
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      database: databaseUrl ? 'postgres' : 'pglite',
      users: USERS,
      minutes: MINUTES,
      malformedShare: MALFORMED,
      redisRestarted,
      measures: {
        chatTurns: counters.turns,
        malformedInputs: counters.malformed,
        staffChanges,
        ticketsFiled: tickets[0]!.n,
        notificationsChecked: changes[0]!.n,
        notificationsLost: changes[0]!.lost,
        notificationsDoubled: doubled[0]!.n,
        outboxUnprocessed: unprocessed[0]!.n,
        errors: counters.errors.length,
        errorLogLines: errorLogs.length,
        warnLogLines: app.problems.length - errorLogs.length,
        rssAfterSetupMb: Math.round(setupRss / 1048576),
        rssStartMb: Math.round(startRss / 1048576),
        rssEndMb: Math.round(endRss / 1048576),
        rssMaxMb: Math.round(Math.max(...rssSamples.map((sample) => sample.mb))),
        rssGrowth: Math.round(growth * 1000) / 1000,
      },
      rssSamplesMb: rssSamples.map((sample) => [sample.s, Math.round(sample.mb)]),
      unprocessedByTopic: Object.fromEntries(open.map((r) => [r.topic, r.n])),
      sampleErrors: [...counters.errors.slice(0, 10), ...errorLogs.slice(0, 10).map((e) => e.msg)],
    };
    mkdirSync(join(__dirname, '..', '..', 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(__dirname, '..', '..', 'bench', 'results', 'soak.json'),
      `${JSON.stringify(results, null, 2)}\n`,
    );
    process.stdout.write(`\n${JSON.stringify(results.measures, null, 2)}\n`);
    const failed =
      counters.errors.length > 0 ||
      errorLogs.length > 0 ||
      changes[0]!.lost > 0 ||
      doubled[0]!.n > 0 ||
      unprocessed[0]!.n > 0 ||
      !redisRestarted ||
      Math.abs(growth) > 0.2;
    if (failed) {
      process.stdout.write(`\nsoak FAILED: ${results.sampleErrors.join('; ') || 'see the measures above'}\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write('\nsoak passed: no errors, no notification lost or doubled, memory flat\n');
    }
  } finally {
    if (app && app.child.exitCode === null) app.child.kill('SIGKILL');
    await redis.kill();
    if (process.env.SOAK_KEEP_DATA) process.stdout.write(`soak: data kept in ${dataDir}\n`);
    else {
      rmSync(dataDir, { recursive: true, force: true });
      await dropDatabase();
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed to run: ${(error as Error)?.stack ?? error}\n`);
  process.exitCode = 1;
});
