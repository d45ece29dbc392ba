import { randomUUID } from 'node:crypto';
import { findButton, type WebBlock, type WebMessage } from '../../bot/render/web';

/** A message as the /chat page posts it to /api/webchat/messages. */
export interface WebChatMessage {
  text?: string;
  value?: Record<string, unknown>;
  attachments?: string[];
  /** The page's id for the message (a resent one is handled once); a fresh one when left out. */
  id?: string;
}

/** The server's answer to a posted message, whatever its status. */
export interface WebChatReply {
  status: number;
  activities: WebMessage[];
  duplicate?: boolean;
  error?: string;
}

/** The server's answer to POST /api/webchat/session. */
export interface WebChatSession {
  isNew: boolean;
  locale: string;
  devTools: boolean;
  activities: WebMessage[];
}

/** The server's answer to an upload, whatever its status. */
export interface WebChatUpload {
  status: number;
  body: { id?: string; url?: string; error?: string; size?: number };
}

/** An open server-sent events stream of a chat user; `next` waits for the next pushed message. */
export interface WebChatEvents {
  next(timeoutMs?: number): Promise<WebMessage>;
  close(): void;
}

/**
 * A browser of the web chat, reduced to its HTTP calls, exactly as the /chat page makes them. It keeps
 * the chat user cookie, the locale, and the messages of the last turn so a test can press a button by
 * its label.
 *
 * Two levels of calls:
 * - protocol calls that give back what the server answered, whatever the status: `session()`,
 *   `send(message)`, `uploadRaw(...)`, `events()`;
 * - transcript calls that fail the test on an error status and return the bot's `Turn`: `open()`,
 *   `say(text)`, `press(label)`, `submitForm(formId, fields)`, and `upload(...)` (the new file's id).
 */
export class WebChatClient {
  private cookieHeader: string | undefined;
  /** The bot's messages of the last turn (of `open`, `say`, `press` or `submitForm`). */
  last: WebMessage[] = [];
  /** Everything said through the transcript calls, for a readable failure message. */
  readonly transcript: string[] = [];

  constructor(
    readonly baseUrl: string,
    private readonly options: { locale?: string; cookie?: string } = {},
  ) {
    this.cookieHeader = options.cookie;
  }

  /** The locale the browser asks for (Accept-Language and each message), if any. */
  get locale(): string | undefined {
    return this.options.locale;
  }

  /** The chat user cookie (`hd_webchat=…`), once the server has set it. */
  get cookie(): string | undefined {
    return this.cookieHeader;
  }

  /** The chat user id the cookie carries (the web channel's user and conversation id). */
  get chatUserId(): string {
    // The cookie is `<chat user id>.<signature>`.
    const id = this.cookieHeader?.split('=')[1]?.split('.')[0];
    if (!id) throw new Error('no chat user cookie yet: open a session first');
    return id;
  }

  /** The same browser (its cookie) talking to another server, e.g. after a restart. */
  sameBrowserOn(baseUrl: string): WebChatClient {
    return new WebChatClient(baseUrl, { locale: this.locale, cookie: this.cookieHeader });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { 'x-webchat': '1', ...extra };
    if (this.cookieHeader) headers.cookie = this.cookieHeader;
    if (this.locale) headers['accept-language'] = this.locale;
    return headers;
  }

  private async post(path: string, body: unknown): Promise<Response> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
    const match = response.headers.get('set-cookie')?.match(/hd_webchat=([^;]+)/);
    if (match) this.cookieHeader = `hd_webchat=${match[1]}`;
    return response;
  }

  // Protocol calls: what the server answered.

  /** Opens (or resumes) the session; a new browser gets the welcome turn's messages. */
  async session(): Promise<WebChatSession> {
    const response = await this.post('/api/webchat/session', { locale: this.locale });
    if (!response.ok) throw new Error(`session: HTTP ${response.status}`);
    return (await response.json()) as WebChatSession;
  }

  /** Posts a message; resolves with the status and the bot's replies of that turn. */
  async send(message: WebChatMessage): Promise<WebChatReply> {
    const response = await this.post('/api/webchat/messages', {
      id: message.id ?? `m${randomUUID().replaceAll('-', '')}`,
      locale: this.locale,
      ...message,
    });
    const body = (await response.json()) as Omit<WebChatReply, 'status'>;
    return {
      status: response.status,
      activities: body.activities ?? [],
      duplicate: body.duplicate,
      error: body.error,
    };
  }

  /** Uploads a file as the page does; resolves with the status and the server's answer. */
  async uploadRaw(content: Buffer, name: string, contentType: string): Promise<WebChatUpload> {
    const response = await fetch(`${this.baseUrl}/api/webchat/upload`, {
      method: 'POST',
      headers: this.headers({ 'content-type': contentType, 'x-file-name': encodeURIComponent(name) }),
      body: content,
    });
    return { status: response.status, body: (await response.json()) as WebChatUpload['body'] };
  }

  /** Connects to the server-sent events of this chat user, as an open page does. */
  async events(): Promise<WebChatEvents> {
    const controller = new AbortController();
    const response = await fetch(`${this.baseUrl}/api/webchat/events`, {
      headers: this.headers(),
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const queue: WebMessage[] = [];
    const waiters: { deliver: (m: WebMessage) => void; fail: (e: Error) => void }[] = [];
    let closed = false;
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let index = buffer.indexOf('\n\n');
          while (index >= 0) {
            const chunk = buffer.slice(0, index);
            buffer = buffer.slice(index + 2);
            const data = chunk
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n');
            if (data) {
              const message = JSON.parse(data) as WebMessage;
              const waiter = waiters.shift();
              if (waiter) waiter.deliver(message);
              else queue.push(message);
            }
            index = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // aborted
      }
    })();
    return {
      next(timeoutMs = 5000) {
        const queued = queue.shift();
        if (queued) return Promise.resolve(queued);
        if (closed) return Promise.reject(new Error('events closed'));
        return new Promise<WebMessage>((resolve, reject) => {
          const waiter = {
            deliver: (m: WebMessage) => {
              clearTimeout(timer);
              resolve(m);
            },
            fail: (error: Error) => {
              clearTimeout(timer);
              reject(error);
            },
          };
          const timer = setTimeout(() => {
            waiters.splice(waiters.indexOf(waiter), 1);
            reject(new Error('no pushed message in time'));
          }, timeoutMs);
          waiters.push(waiter);
        });
      },
      /** Closes the connection; a `next` still waiting fails at once. */
      close() {
        closed = true;
        controller.abort();
        for (const waiter of waiters.splice(0)) waiter.fail(new Error('events closed'));
      },
    };
  }

  // Transcript calls: the bot's turn, or the test fails.

  /** Opens (or reopens) the chat: a new browser is greeted. */
  async open(): Promise<Turn> {
    return this.record((await this.session()).activities);
  }

  /** Types a message (with optional uploaded attachment ids). */
  async say(text: string, attachments?: string[]): Promise<Turn> {
    this.transcript.push(`user: ${text}`);
    return this.turn({ text, attachments });
  }

  /** Presses the button with this label (exact, else the first that contains it) from the last turn. */
  async press(label: string): Promise<Turn> {
    const button = findButton(this.last, label);
    if (!button) throw new Error(`no button "${label}" in:\n${this.transcript.slice(-8).join('\n')}`);
    this.transcript.push(`user presses: ${button.label}`);
    return this.turn({ text: button.text ?? button.label, value: button.value ?? undefined });
  }

  /** Submits a form card of the last turn with these field values. */
  async submitForm(formId: string, fields: Record<string, string | number>): Promise<Turn> {
    const form = this.last.flatMap((m) => m.blocks).find((b) => b.kind === 'form' && b.formId === formId);
    if (form?.kind !== 'form') throw new Error(`no form ${formId}`);
    this.transcript.push(`user submits ${formId}: ${JSON.stringify(fields)}`);
    return this.turn({ text: form.submit.label, value: { ...form.submit.value, ...fields } });
  }

  /** Uploads a file; returns its id for `say(text, [id])`. */
  async upload(content: Buffer, name: string, contentType: string): Promise<string> {
    const uploaded = await this.uploadRaw(content, name, contentType);
    if (uploaded.status !== 201 || !uploaded.body.id) {
      throw new Error(`upload: HTTP ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
    }
    return uploaded.body.id;
  }

  private async turn(message: WebChatMessage): Promise<Turn> {
    const reply = await this.send(message);
    if (reply.status !== 200) throw new Error(`messages: HTTP ${reply.status} ${reply.error ?? ''}`);
    return this.record(reply.activities);
  }

  private record(messages: WebMessage[]): Turn {
    this.last = messages;
    for (const m of messages) this.transcript.push(`bot: ${m.text}`);
    return new Turn(messages);
  }
}

/** All the text a list of web messages shows (fallback text of each), for assertions. */
export function textOf(messages: WebMessage[]): string {
  return messages.map((m) => m.text).join('\n');
}

/** The bot's messages of one turn. */
export class Turn {
  constructor(readonly messages: WebMessage[]) {}

  /** All texts of the turn, as a text-only channel would show them. */
  get text(): string {
    return textOf(this.messages);
  }

  get blocks(): WebBlock[] {
    return this.messages.flatMap((m) => m.blocks);
  }

  /** The URL of the first link block (one-time links to the web pages). */
  get link(): string | undefined {
    const block = this.blocks.find((b) => b.kind === 'link');
    return block?.kind === 'link' ? block.url : undefined;
  }
}

export { findButton };
