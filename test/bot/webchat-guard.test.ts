import { t } from '../../i18n';
import { lastCode, openCustomer } from '../dialogs/harness';
import { startTestApp, type TestApp } from '../support/app';
import { WebChatClient } from '../support/webchat';

/**
 * Issue 10, items 2 and 6: what an anonymous browser can cost is bounded (sessions per address,
 * server-issued signed ids, uploads only where a signed-in conversation waits for a file, a daily
 * quota), and the development panel shows a browser only what its own chat caused.
 */

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function rowCount(app: TestApp, table: string): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return rows[0]!.n;
}

async function postSession(app: TestApp, cookie?: string): Promise<Response> {
  return fetch(`${app.url}/api/webchat/session`, {
    method: 'POST',
    headers: { 'x-webchat': '1', 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: '{}',
  });
}

describe('anonymous web chat sessions', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { WEBCHAT_SESSIONS_PER_HOUR: '30' } });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('300 new sessions from one address: 30 are opened, the rest get 429 with Retry-After; the rows stay bounded', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let batch = 0; batch < 30; batch++) {
      const responses = await Promise.all(Array.from({ length: 10 }, () => postSession(app)));
      for (const res of responses) {
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(270);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // One binding, at most two state rows and one inbound id per opened session; nothing for the refused.
    expect(await rowCount(app, 'chat_bindings')).toBeLessThanOrEqual(30);
    expect(await rowCount(app, 'bot_state')).toBeLessThanOrEqual(60);
    expect(await rowCount(app, 'inbound_seen')).toBeLessThanOrEqual(30);
  });
});

describe('server-issued web chat ids', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('a made-up or altered cookie is refused and replaced by a fresh id', async () => {
    const browser = new WebChatClient(app.url);
    await browser.open();
    const [id, signature] = browser.cookie!.split('=')[1]!.split('.') as [string, string];
    const madeUp = `hd_webchat=web_${'A'.repeat(32)}`;
    const altered = `hd_webchat=${id}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const unsigned = `hd_webchat=${id}`;
    for (const cookie of [madeUp, altered, unsigned]) {
      const forged = new WebChatClient(app.url, { cookie });
      expect((await forged.send({ text: 'hello' })).status).toBe(401);
      const res = await postSession(app, cookie);
      const body = (await res.json()) as { isNew: boolean };
      expect(body.isNew).toBe(true);
      const issued = res.headers.get('set-cookie') ?? '';
      expect(issued).toMatch(/^hd_webchat=web_[\w-]{32}\.[\w-]{22};/);
      expect(issued).not.toContain(id);
    }
    // The genuine cookie still is that chat user.
    expect((await browser.session()).isNew).toBe(false);
  });
});

describe('web chat uploads', () => {
  let app: TestApp;
  const m = (key: string) => t('zh-CN', key);
  beforeAll(async () => {
    app = await startTestApp({ env: { WEBCHAT_UPLOAD_MB_PER_DAY: '1' } });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  async function signedIn(): Promise<WebChatClient> {
    const customer = await openCustomer({ services: app.ctx.services, db: app.db });
    const chat = new WebChatClient(app.url, { locale: 'zh-CN' });
    await chat.open();
    await chat.press(m('menu.sign_in_code'));
    await chat.say(customer.phone);
    await chat.say(await lastCode(app.db, customer.account.phone!));
    return chat;
  }

  /** A signed-in chat at a new ticket's attachments step. */
  async function atAttachments(): Promise<WebChatClient> {
    const chat = await signedIn();
    await chat.say(m('menu.new_ticket'));
    await chat.say('打印机');
    await chat.say('打印机卡纸');
    await chat.say('技术故障');
    const step = await chat.say('普通');
    expect(step.text).toContain(m('ticket.ask_attachments'));
    return chat;
  }

  it('only a signed-in customer whose conversation waits for a file may upload', async () => {
    const anonymous = new WebChatClient(app.url);
    expect((await anonymous.uploadRaw(PNG, 'a.png', 'image/png')).status).toBe(401);
    const notSignedIn = new WebChatClient(app.url);
    await notSignedIn.open();
    expect((await notSignedIn.uploadRaw(PNG, 'a.png', 'image/png')).body.error).toBe('upload_not_expected');
    const atHome = await signedIn();
    expect((await atHome.uploadRaw(PNG, 'a.png', 'image/png')).status).toBe(403);
    const waiting = await atAttachments();
    expect((await waiting.uploadRaw(PNG, 'a.png', 'image/png')).status).toBe(201);
    expect(await rowCount(app, 'uploads')).toBe(1);
  });

  it('serves an upload safely and attaches it to a message of its owner only', async () => {
    const client = await atAttachments();
    const uploaded = await client.uploadRaw(PNG, '截图 1.png', 'image/png');
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      size: PNG.length,
      url: expect.stringMatching(/^\/files\/[a-f0-9]{32}$/),
    });
    const file = await fetch(`${app.url}${uploaded.body.url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);

    const other = await atAttachments();
    expect((await other.send({ text: 'mine', attachments: [uploaded.body.id!] })).status).toBe(400);
    const attached = await client.say('', [uploaded.body.id!]);
    expect(attached.text).toContain('截图 1.png');
    const { rows } = await app.db.query<{ attached_at: Date | null }>(
      'select attached_at from uploads where id = $1',
      [uploaded.body.id],
    );
    expect(rows[0]!.attached_at).toBeInstanceOf(Date);
    expect((await fetch(`${app.url}/files/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await fetch(`${app.url}/files/..%2f..%2fetc`)).status).toBe(404);
  });

  it('refuses other types, too large, disguised or empty files, and more than the daily quota', async () => {
    const client = await atAttachments();
    expect((await client.uploadRaw(Buffer.from('<script>'), 'x.html', 'text/html')).status).toBe(415);
    expect(
      (await client.uploadRaw(Buffer.from('<svg onload=alert(1)>'), 'x.svg', 'image/svg+xml')).status,
    ).toBe(415);
    expect((await client.uploadRaw(Buffer.from('<html>not a png'), 'x.png', 'image/png')).body.error).toBe(
      'content_mismatch',
    );
    const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]);
    expect((await client.uploadRaw(big, 'big.png', 'image/png')).status).toBe(413);
    expect((await client.uploadRaw(Buffer.alloc(0), 'empty.txt', 'text/plain')).status).toBe(400);
    // 1 MiB a day: three files of 300 KB fit, the fourth does not.
    const chunk = Buffer.concat([PNG, Buffer.alloc(300 * 1024)]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await client.uploadRaw(chunk, `p${i}.png`, 'image/png')).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect((await client.uploadRaw(chunk, 'p5.png', 'image/png')).body.error).toBe('quota_exceeded');
  });
});

describe('the development panel', () => {
  let app: TestApp;
  const m = (key: string) => t('zh-CN', key);
  beforeAll(async () => {
    app = await startTestApp({ workers: true, env: { OUTBOX_POLL_MS: '50' } });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  async function panel(
    cookie?: string,
  ): Promise<{ status: number; messages: { to: string; text: string }[] }> {
    const res = await fetch(`${app.url}/api/webchat/dev/outbox`, { headers: cookie ? { cookie } : {} });
    const body = (await res.json()) as { messages?: { to: string; text: string }[] };
    return { status: res.status, messages: body.messages ?? [] };
  }

  async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('needs the browser cookie and shows only the codes that browser asked for', async () => {
    expect((await panel()).status).toBe(401);
    const a = await openCustomer({ services: app.ctx.services, db: app.db });
    const b = await openCustomer({ services: app.ctx.services, db: app.db });
    const browserA = new WebChatClient(app.url);
    const browserB = new WebChatClient(app.url);
    for (const [browser, customer] of [
      [browserA, a],
      [browserB, b],
    ] as const) {
      await browser.open();
      await browser.press(m('menu.sign_in_code'));
      await browser.say(customer.phone);
    }
    const seenA = await waitFor(async () => {
      const { messages } = await panel(browserA.cookie);
      return messages.length > 0 ? messages : undefined;
    });
    const seenB = await waitFor(async () => {
      const { messages } = await panel(browserB.cookie);
      return messages.length > 0 ? messages : undefined;
    });
    // Each panel holds its own browser's code, sent to its own account's phone, and nothing else.
    expect(seenA.map((x) => x.to)).toEqual([a.account.phone]);
    expect(seenB.map((x) => x.to)).toEqual([b.account.phone]);
    const codeOf = (messages: { text: string }[]) => /\b(\d{6})\b/.exec(messages[0]!.text)![1]!;
    // The code shown is the real one: it signs browser A in.
    const signedIn = await browserA.say(codeOf(seenA));
    expect(signedIn.text).toContain(m('signin.success').split('{')[0]!);
    // The initial passwords of the two accounts (opened by staff, no browser asked) are in no panel.
    const fresh = new WebChatClient(app.url);
    await fresh.open();
    expect((await panel(fresh.cookie)).messages).toEqual([]);
  });
});

describe('the development panel is off where others can reach the server', () => {
  it('is off on a non-loopback address unless DEV_PANEL=true, and never in production', async () => {
    const { loadConfig } = await import('../../platform/config');
    expect(loadConfig({ NODE_ENV: 'development' }).devPanel).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).HOST).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' }).devPanel).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0', DEV_PANEL: 'true' }).devPanel).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', DEV_PANEL: 'false' }).devPanel).toBe(false);
    const production = { NODE_ENV: 'production', APP_SECRET: 'x'.repeat(40) };
    expect(loadConfig(production).devPanel).toBe(false);
    expect(loadConfig(production).HOST).toBe('0.0.0.0');
    expect(() => loadConfig({ ...production, DEV_PANEL: 'true' })).toThrow(/DEV_PANEL/);

    const app = await startTestApp({ env: { HOST: '0.0.0.0' } });
    try {
      const browser = new WebChatClient(app.url);
      const session = await browser.session();
      expect(session.devTools).toBe(false);
      const res = await fetch(`${app.url}/api/webchat/dev/outbox`, { headers: { cookie: browser.cookie! } });
      expect(res.status).toBe(404);
    } finally {
      await app.stop();
    }
  }, 60_000);
});
