import type { WebMessage } from '../../bot/render/web';

/**
 * A browser stand-in for the web chat's HTTP endpoints: keeps the chat user cookie, sends messages,
 * presses buttons, uploads files and listens to server-sent events. Transcript tests drive the bot
 * through it exactly as the /chat page does.
 */
export class WebChatClient {
  cookie: string | undefined;
  locale: string | undefined;
  private seq = 0;

  constructor(
    readonly baseUrl: string,
    options: { locale?: string; cookie?: string } = {},
  ) {
    this.locale = options.locale;
    this.cookie = options.cookie;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { 'x-webchat': '1', ...extra };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.locale) headers['accept-language'] = this.locale;
    return headers;
  }

  private remember(res: Response): void {
    const set = res.headers.get('set-cookie');
    const match = set?.match(/hd_webchat=([^;]+)/);
    if (match) this.cookie = `hd_webchat=${match[1]}`;
  }

  async request(path: string, body: unknown, extra: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json', ...extra }),
      body: JSON.stringify(body),
    });
    this.remember(res);
    return res;
  }

  /** Opens (or resumes) the session; a new browser gets the welcome turn's messages. */
  async session(): Promise<{ isNew: boolean; locale: string; devTools: boolean; activities: WebMessage[] }> {
    const res = await this.request('/api/webchat/session', { locale: this.locale });
    if (!res.ok) throw new Error(`session: HTTP ${res.status}`);
    return (await res.json()) as {
      isNew: boolean;
      locale: string;
      devTools: boolean;
      activities: WebMessage[];
    };
  }

  /** Sends a message; resolves with the bot's replies of that turn. */
  async send(message: {
    text?: string;
    value?: Record<string, unknown>;
    attachments?: string[];
    id?: string;
  }): Promise<{ status: number; activities: WebMessage[]; duplicate?: boolean; error?: string }> {
    const res = await this.request('/api/webchat/messages', {
      id: message.id ?? `m${Date.now().toString(36)}${(++this.seq).toString().padStart(4, '0')}`,
      locale: this.locale,
      ...message,
    });
    const body = (await res.json()) as { activities?: WebMessage[]; duplicate?: boolean; error?: string };
    return {
      status: res.status,
      activities: body.activities ?? [],
      duplicate: body.duplicate,
      error: body.error,
    };
  }

  async say(text: string): Promise<WebMessage[]> {
    const reply = await this.send({ text });
    if (reply.status !== 200) throw new Error(`say: HTTP ${reply.status} ${reply.error ?? ''}`);
    return reply.activities;
  }

  async press(label: string, value: Record<string, unknown>): Promise<WebMessage[]> {
    const reply = await this.send({ text: label, value });
    if (reply.status !== 200) throw new Error(`press: HTTP ${reply.status} ${reply.error ?? ''}`);
    return reply.activities;
  }

  async upload(
    data: Buffer,
    contentType: string,
    name: string,
  ): Promise<{ status: number; body: { id?: string; url?: string; error?: string; size?: number } }> {
    const res = await fetch(`${this.baseUrl}/api/webchat/upload`, {
      method: 'POST',
      headers: this.headers({ 'content-type': contentType, 'x-file-name': encodeURIComponent(name) }),
      body: data,
    });
    return { status: res.status, body: (await res.json()) as { id?: string; url?: string; error?: string } };
  }

  /** Server-sent events of this chat user; `next` waits for the next pushed message. */
  async events(): Promise<{ next(timeoutMs?: number): Promise<WebMessage>; close(): void }> {
    const controller = new AbortController();
    const res = await fetch(`${this.baseUrl}/api/webchat/events`, {
      headers: this.headers(),
      signal: controller.signal,
    });
    if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const queue: WebMessage[] = [];
    const waiters: ((m: WebMessage) => void)[] = [];
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
              if (waiter) waiter(message);
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
        return new Promise<WebMessage>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no pushed message in time')), timeoutMs);
          waiters.push((m) => {
            clearTimeout(timer);
            resolve(m);
          });
        });
      },
      close() {
        controller.abort();
      },
    };
  }
}

/** All the text a list of web messages shows (fallback text of each), for assertions. */
export function textOf(messages: WebMessage[]): string {
  return messages.map((m) => m.text).join('\n');
}
