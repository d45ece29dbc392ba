import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { seedDemo } from '../../app/demo';
import { t } from '../../i18n';
import { startTestApp, type TestApp } from '../support/app';

/**
 * The web chat in a real browser (Debian's chromium driven by playwright-core): a demo customer opens
 * /chat, signs in through the one-time sign-in page, files a ticket with an image and sees its number
 * and queue position. Skipped only when chromium is missing outside CI (`apt-get install -y chromium`);
 * in CI it always runs.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);
if (!available && !inCi) {
  // Said once, loudly: a skipped browser test must not pass unnoticed.
  console.warn(
    `Skipping the browser test: ${CHROMIUM} not found (install it with: apt-get install -y chromium)`,
  );
}
const describeBrowser = available || inCi ? describe : describe.skip;

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAIElEQVR42mNk+M9AEmAcVTqqdFTpqNJRpaNKR5UOHQUAWcoP8WmUK0gAAAAASUVORK5CYII=',
  'base64',
);
const zh = (key: string, params?: Record<string, string | number>) => t('zh-CN', key, params);

describeBrowser('web chat in a browser', () => {
  let app: TestApp;
  let context: BrowserContext;
  let profile: string;
  let page: Page;

  beforeAll(async () => {
    app = await startTestApp();
    await seedDemo(app.ctx, app.url);
    profile = await mkdtemp(path.join(os.tmpdir(), 'chromium-profile-'));
    // A fresh profile directory per run: nothing from an earlier run (cookies, cache) leaks in.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      locale: 'zh-CN',
      viewport: { width: 900, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    if (page && !page.isClosed()) {
      await mkdir('test-results', { recursive: true });
      await page
        .screenshot({ path: 'test-results/web-chat-final.png', fullPage: true })
        .catch(() => undefined);
    }
    await context?.close();
    await app?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** The newest bot button with this label (older messages keep theirs). */
  const button = (label: string) => page.locator('.msg.bot button', { hasText: label }).last();
  const botSaid = (text: string | RegExp) => page.locator('.msg.bot', { hasText: text }).last();

  it('signs in through the sign-in page, files a ticket with an image and sees its number and queue position', async () => {
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    await page.goto(`${app.url}/chat`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.locator('.msg.bot').first().waitFor();

    // F2a: ask to sign in, choose the web page, follow the one-time link.
    await page.fill('#composer-input', '登录');
    await page.click('#send');
    await button(zh('menu.sign_in_web')).click();
    const link = page.locator('.msg.bot a.link-button').last();
    await link.waitFor();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/\/auth\/sign-in\?token=[\w-]{43}$/);

    const signIn = await context.newPage();
    await signIn.goto(href!);
    await signIn.fill('input[name="login"]', '+8613800138000');
    await signIn.fill('input[name="password"]', 'helpdesk2026');
    await signIn.click('button[type="submit"]');
    await signIn.waitForSelector('main.success');
    expect(await signIn.textContent('main')).toContain('登录成功');
    await signIn.close();

    // The chat confirmed by itself (server-sent event) and offers the two identities.
    await botSaid('登录成功').waitFor();
    await button('星河科技').click();
    await page.locator('.figures').last().waitFor();

    // F5: the new-ticket form, then an image, the reply channel and the summary.
    await page.fill('#composer-input', '新建工单');
    await page.click('#send');
    const form = page.locator('form.form').last();
    await form.waitFor();
    await form.locator('button[type="submit"]').click();
    // Client-side required checks: nothing is sent while the title is empty.
    await expect(form.locator('.field-error').first().textContent()).resolves.toBe(
      zh('ticket.title_required'),
    );
    await form.locator('input[type="text"]').first().fill('打印机卡纸');
    await form.locator('textarea').fill('二楼打印机每次打印都卡纸，附截图。');
    await form.locator('select').first().selectOption({ index: 1 });
    await form.locator('select').nth(1).selectOption('high');
    await form.locator('button[type="submit"]').click();

    await botSaid(zh('ticket.ask_attachments')).waitFor();
    await page.setInputFiles('#file-input', { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('.msg.user img').last().waitFor();
    await botSaid(zh('ticket.ask_more_attachments', { count: 1 })).waitFor();
    await button(zh('ticket.attachments_done')).click();
    await button(zh('reply_channel.this_chat_default')).click();
    await page.locator('.ticket-card', { hasText: '打印机卡纸' }).last().waitFor();
    await button(zh('ticket.submit')).click();

    const submitted = botSaid('工单已提交');
    await submitted.waitFor();
    const text = (await submitted.textContent()) ?? '';
    const number = /编号\s*(\S+?)。/.exec(text)?.[1];
    expect(number).toBeTruthy();
    expect(text).toMatch(/您排在第\d+位/);
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-chat-ticket.png', fullPage: true });

    // The ticket really has the image attached.
    const { rows } = await app.db.query<{ name: string; content_type: string }>(
      `select a.name, a.content_type from ticket_attachments a join tickets t on t.id = a.ticket_id where t.number = $1`,
      [number],
    );
    expect(rows).toEqual([{ name: 'screenshot.png', content_type: 'image/png' }]);
  }, 120_000);
});
