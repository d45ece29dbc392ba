import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Activity, Attachment } from 'botbuilder';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import helmet from 'helmet';
import type { HttpModule } from '../../http/server';
import { resolveLocale } from '../../i18n';
import type { Logger } from '../../platform/logger';
import type { RequestLimit } from '../../platform/rate-limit';
import { renderWebActivity, type WebMessage } from '../render/web';
import type { TurnOutcome, TurnPipeline } from '../turns';
import { WEB_BOT_ID, type WebChatAdapter, webConversationId } from './adapter';
import { latestDevMessages } from './dev-outbox';
import type { InboxItem, WebChatPush } from './push';
import type { WebChatSessions } from './session';
import { UPLOAD_MAX_BYTES, UPLOAD_TYPES, UploadError, type UploadStore } from './uploads';

export interface WebChatRoutesDeps {
  adapter: WebChatAdapter;
  pipeline: TurnPipeline;
  push: WebChatPush;
  sessions: WebChatSessions;
  uploads: UploadStore;
  /**
   * Who may upload now: the account of a signed-in chat user whose waiting question takes files
   * (a new ticket's attachments, a profile picture), else undefined.
   */
  uploaderAccount(chatUserId: string): Promise<string | undefined>;
  logger: Logger;
  /** Read at request time: the server fills it in once it listens. */
  publicBaseUrl: () => string;
  /** The development panel (config.devPanel): this browser's codes, for the demo. */
  devPanel: boolean;
  limits: { sessions: RequestLimit; messages: RequestLimit; uploads: RequestLimit };
  /** Open server-sent-event streams, ended when the bot stops. */
  streams: Set<Response>;
  keepAliveMs?: number;
}

const TEXT_MAX = 4000;
const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The page's script sends this header on every POST: a cross-site form cannot, and a cross-site fetch would need CORS. */
function requireWebChatHeader(req: Request, res: Response, next: NextFunction): void {
  if (req.get('x-webchat') !== '1') {
    res.status(403).json({ error: 'missing_header' });
    return;
  }
  next();
}

function localeOf(req: Request, explicit: unknown): string {
  if (typeof explicit === 'string' && explicit) return resolveLocale(explicit);
  const best = req.acceptsLanguages('zh-CN', 'zh', 'en-US', 'en');
  return resolveLocale(typeof best === 'string' ? best : undefined);
}

/** A pressed button's value: a flat object with a string `action`, small enough to be a real card value. */
function parseValue(value: unknown): Record<string, string | number | boolean> | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return 'invalid';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 40 || JSON.stringify(value).length > 16_000) return 'invalid';
  const out: Record<string, string | number | boolean> = {};
  for (const [key, v] of entries) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (v !== null && v !== undefined) return 'invalid';
  }
  return typeof out.action === 'string' ? out : 'invalid';
}

function pageDir(): string {
  const candidates = [path.join(__dirname, 'page'), path.resolve(__dirname, '../../../bot/web/page')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

/** The web chat's HTTP surface: /api/webchat (JSON + server-sent events), /files (uploads), /chat (the page). */
export function createWebChatModules(deps: WebChatRoutesDeps): HttpModule[] {
  const api = Router();

  const render = (activity: Partial<Activity>, fallbackId: string): WebMessage => {
    const message = renderWebActivity(activity);
    return { ...message, id: message.id || fallbackId };
  };

  const runTurn = async (
    activity: Partial<Activity>,
  ): Promise<{ outcome: TurnOutcome; activities: WebMessage[] }> => {
    const result: { outcome: TurnOutcome } = { outcome: 'handled' };
    const sent = await deps.adapter.processActivity(activity, async (context) => {
      result.outcome = await deps.pipeline.handle(context, { inbound: true });
    });
    // Handled meanwhile by another process (no shared lease): its answer was the one; this one is dropped.
    if (result.outcome === 'duplicate') return { outcome: result.outcome, activities: [] };
    return { outcome: result.outcome, activities: sent.map((a, i) => render(a, `${activity.id}-${i}`)) };
  };

  const baseActivity = (chatUserId: string, locale: string): Partial<Activity> => ({
    channelId: 'web',
    from: { id: chatUserId, name: '', role: 'user' },
    recipient: { id: WEB_BOT_ID, name: 'Helpdesk', role: 'bot' },
    conversation: {
      id: webConversationId(chatUserId),
      isGroup: false,
      conversationType: 'personal',
      name: '',
    },
    locale,
    timestamp: new Date(),
    localTimestamp: new Date(),
  });

  api.post('/session', requireWebChatHeader, express.json({ limit: '4kb' }), async (req, res) => {
    let chatUserId = deps.sessions.chatUserOf(req);
    const isNew = !chatUserId;
    if (!chatUserId) {
      // Every new browser costs rows (binding, state): bounded per client address.
      const limit = await deps.limits.sessions.hit(req.ip ?? 'unknown');
      if (!limit.allowed) {
        res.set('Retry-After', String(limit.resetSeconds)).status(429).json({ error: 'rate_limited' });
        return;
      }
      chatUserId = deps.sessions.issue(res);
    }
    const locale = localeOf(req, req.body?.locale);
    let activities: WebMessage[] = [];
    if (isNew) {
      // A new browser joins the conversation: the dialogs greet it (conversationUpdate, like Teams on install).
      ({ activities } = await runTurn({
        ...baseActivity(chatUserId, locale),
        type: 'conversationUpdate',
        id: randomUUID(),
        membersAdded: [{ id: chatUserId, name: '' }],
      }));
    }
    res.json({ isNew, locale, devTools: deps.devPanel, activities });
  });

  api.post('/messages', requireWebChatHeader, express.json({ limit: '64kb' }), async (req, res) => {
    const chatUserId = deps.sessions.chatUserOf(req);
    if (!chatUserId) {
      res.status(401).json({ error: 'no_session' });
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = typeof body.text === 'string' ? body.text.trim() : '';
    const value = parseValue(body.value);
    const uploadIds = Array.isArray(body.attachments) ? body.attachments : [];
    if (value === 'invalid' || text.length > TEXT_MAX || uploadIds.length > 5) {
      res.status(400).json({ error: 'invalid_message' });
      return;
    }
    const attachments: Attachment[] = [];
    const attachedIds: string[] = [];
    for (const ref of uploadIds) {
      const id = typeof ref === 'string' ? ref : (ref as { id?: unknown } | null)?.id;
      const file = typeof id === 'string' ? await deps.uploads.get(id) : undefined;
      // Only the uploader may attach a file: another user's id is treated like an unknown one.
      if (file?.owner.channel !== 'web' || file.owner.chatUserId !== chatUserId) {
        res.status(400).json({ error: 'unknown_attachment' });
        return;
      }
      attachedIds.push(file.id);
      attachments.push({
        contentType: file.contentType,
        contentUrl: `${deps.publicBaseUrl()}/files/${file.id}`,
        name: file.name,
        content: { size: file.size },
      });
    }
    if (!text && !value && attachments.length === 0) {
      res.status(400).json({ error: 'empty_message' });
      return;
    }
    const limit = await deps.limits.messages.hit(chatUserId);
    if (!limit.allowed) {
      res.set('Retry-After', String(limit.resetSeconds)).status(429).json({ error: 'rate_limited' });
      return;
    }
    const clientId = typeof body.id === 'string' && CLIENT_ID.test(body.id) ? body.id : undefined;
    await deps.uploads.markAttached(attachedIds);
    const { outcome, activities } = await runTurn({
      ...baseActivity(chatUserId, localeOf(req, body.locale)),
      type: 'message',
      // The page's own id for the message: a resent POST (network retry) is then handled once.
      id: clientId ? `c-${clientId}` : randomUUID(),
      text,
      textFormat: 'plain',
      ...(value ? { value } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    });
    res.json({ activities, duplicate: outcome === 'duplicate' });
  });

  api.post(
    '/upload',
    requireWebChatHeader,
    async (req, res, next) => {
      const chatUserId = deps.sessions.chatUserOf(req);
      if (!chatUserId) {
        res.status(401).json({ error: 'no_session' });
        return;
      }
      const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!UPLOAD_TYPES[type]) {
        res.status(415).json({ error: 'unsupported_type', allowed: Object.keys(UPLOAD_TYPES) });
        return;
      }
      const declared = Number(req.get('content-length') ?? '0');
      if (declared > UPLOAD_MAX_BYTES) {
        res.status(413).json({ error: 'too_large', maxBytes: UPLOAD_MAX_BYTES });
        return;
      }
      const limit = await deps.limits.uploads.hit(chatUserId);
      if (!limit.allowed) {
        res.set('Retry-After', String(limit.resetSeconds)).status(429).json({ error: 'rate_limited' });
        return;
      }
      // Files only from a signed-in customer whose conversation is waiting for one.
      const accountId = await deps.uploaderAccount(chatUserId);
      if (!accountId) {
        res.status(403).json({ error: 'upload_not_expected' });
        return;
      }
      res.locals.chatUserId = chatUserId;
      res.locals.accountId = accountId;
      next();
    },
    express.raw({ type: () => true, limit: UPLOAD_MAX_BYTES }),
    async (req, res) => {
      const rawName = req.get('x-file-name');
      let name: string | undefined;
      try {
        name = rawName ? decodeURIComponent(rawName) : undefined;
      } catch {
        name = undefined;
      }
      try {
        const file = await deps.uploads.save(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), {
          name,
          contentType: req.get('content-type') ?? '',
          owner: { channel: 'web', chatUserId: res.locals.chatUserId as string },
          accountId: res.locals.accountId as string,
        });
        res.status(201).json({
          id: file.id,
          name: file.name,
          contentType: file.contentType,
          size: file.size,
          url: `/files/${file.id}`,
        });
      } catch (error) {
        if (!(error instanceof UploadError)) throw error;
        const status =
          error.code === 'too_large'
            ? 413
            : error.code === 'unsupported_type'
              ? 415
              : error.code === 'quota_exceeded'
                ? 429
                : 400;
        res.status(status).json({ error: error.code });
      }
    },
  );

  api.get('/events', async (req, res) => {
    const chatUserId = deps.sessions.chatUserOf(req);
    if (!chatUserId) {
      res.status(401).json({ error: 'no_session' });
      return;
    }
    const sent = new Set<number>();
    let closed = false;
    const write = (items: InboxItem[]) => {
      for (const item of items) {
        if (closed || sent.has(item.id)) continue;
        sent.add(item.id);
        const message = render(item.activity, `inbox-${item.id}`);
        res.write(`id: ${item.id}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`);
      }
    };
    // Cleanup is registered before any await: a page closed while we subscribe must not leave a timer behind.
    let stopListening: () => void = () => undefined;
    let keepAlive: NodeJS.Timeout | undefined;
    const cleanup = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      stopListening();
      deps.streams.delete(res);
    };
    res.on('close', cleanup);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    deps.streams.add(res);
    // Listen first, then take the backlog: a message announced in between is written once (by id), and
    // live messages wait until the older backlog is out, so the page shows everything in order.
    let early: InboxItem[] | undefined = [];
    const stop = await deps.push.listen(chatUserId, (item) => {
      if (early) early.push(item);
      else write([item]);
    });
    if (closed) {
      stop();
      return;
    }
    stopListening = stop;
    keepAlive = setInterval(() => res.write(': keep-alive\n\n'), deps.keepAliveMs ?? 25_000);
    try {
      write(await deps.push.claimPending(chatUserId));
    } finally {
      const waiting = early.sort((x, y) => x.id - y.id);
      early = undefined;
      write(waiting);
    }
  });

  api.get('/dev/outbox', (req, res) => {
    const chatUserId = deps.devPanel ? deps.sessions.chatUserOf(req) : undefined;
    if (!deps.devPanel) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    if (!chatUserId) {
      res.status(401).json({ error: 'no_session' });
      return;
    }
    // Only what this browser's own chat caused (its sign-in code, its password reset code).
    res
      .set('Cache-Control', 'no-store')
      .json({ messages: latestDevMessages({ channel: 'web', chatUserId }) });
  });

  const files = Router();
  files.get('/:id', async (req, res) => {
    const found = await deps.uploads.read(req.params.id);
    if (!found) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    const image = UPLOAD_TYPES[found.file.contentType]?.image ?? false;
    res.set({
      'Content-Type': found.file.contentType,
      'X-Content-Type-Options': 'nosniff',
      // Even if a file were opened directly, it cannot run script in our origin.
      'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
      'Content-Disposition': `${image ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(found.file.name)}`,
      'Cache-Control': 'private, max-age=86400',
    });
    res.send(found.data);
  });

  const page = Router();
  page.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:', 'http:', 'https:'],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
      strictTransportSecurity: false,
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  const dir = pageDir();
  page.get('/', (_req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile(path.join(dir, 'index.html'));
  });
  page.use(express.static(dir, { index: false, maxAge: 0 }));

  return [
    { path: '/api/webchat', router: api },
    { path: '/files', router: files },
    { path: '/chat', router: page },
  ];
}
