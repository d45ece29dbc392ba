import type { WebBlock, WebButton, WebMessage } from '../../bot/render/web';

/**
 * A browser of the web chat, reduced to its HTTP calls: POST /api/webchat/session, then
 * /api/webchat/messages with text, a pressed button's value or uploaded attachments. It keeps the
 * chat cookie, and the messages of the last turn so a test can press a button by its label.
 */
export class WebChatClient {
  private cookie = '';
  /** The bot's messages of the last turn. */
  last: WebMessage[] = [];
  /** Everything said, for a readable failure message. */
  readonly transcript: string[] = [];

  constructor(
    readonly baseUrl: string,
    readonly locale: string = 'zh-CN',
  ) {}

  /** The same browser (its cookie) talking to another server, e.g. after a restart. */
  sameBrowserOn(baseUrl: string): WebChatClient {
    const client = new WebChatClient(baseUrl, this.locale);
    client.cookie = this.cookie;
    return client;
  }

  private async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-webchat': '1',
        'accept-language': this.locale,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...headers,
      },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    return response;
  }

  private record(messages: WebMessage[]): Turn {
    this.last = messages;
    for (const m of messages) this.transcript.push(`bot: ${m.text}`);
    return new Turn(messages);
  }

  /** Opens (or reopens) the chat: a new browser is greeted. */
  async open(): Promise<Turn> {
    const response = await this.post('/api/webchat/session', { locale: this.locale });
    if (!response.ok) throw new Error(`session: HTTP ${response.status}`);
    const body = (await response.json()) as { activities: WebMessage[] };
    return this.record(body.activities);
  }

  /** Types a message (with optional uploaded attachment ids). */
  async say(text: string, attachments: string[] = []): Promise<Turn> {
    this.transcript.push(`user: ${text}`);
    return this.send({ text, attachments, locale: this.locale });
  }

  /** Presses the button with this label (exact, else the first that contains it) from the last turn. */
  async press(label: string): Promise<Turn> {
    const button = findButton(this.last, label);
    if (!button) throw new Error(`no button "${label}" in:\n${this.transcript.slice(-8).join('\n')}`);
    this.transcript.push(`user presses: ${button.label}`);
    return this.send({
      text: button.text ?? button.label,
      value: button.value ?? undefined,
      locale: this.locale,
    });
  }

  /** Submits a form card of the last turn with these field values. */
  async submitForm(formId: string, fields: Record<string, string | number>): Promise<Turn> {
    const form = this.last.flatMap((m) => m.blocks).find((b) => b.kind === 'form' && b.formId === formId);
    if (form?.kind !== 'form') throw new Error(`no form ${formId}`);
    this.transcript.push(`user submits ${formId}: ${JSON.stringify(fields)}`);
    return this.send({
      text: form.submit.label,
      value: { ...form.submit.value, ...fields },
      locale: this.locale,
    });
  }

  /** Uploads a file; returns its id for `say(text, [id])`. */
  async upload(content: Buffer, name: string, contentType: string): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/webchat/upload`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-webchat': '1',
        'x-file-name': encodeURIComponent(name),
        cookie: this.cookie,
      },
      body: content,
    });
    if (response.status !== 201) throw new Error(`upload: HTTP ${response.status} ${await response.text()}`);
    return ((await response.json()) as { id: string }).id;
  }

  private async send(body: Record<string, unknown>): Promise<Turn> {
    const response = await this.post('/api/webchat/messages', body);
    if (!response.ok) throw new Error(`messages: HTTP ${response.status} ${await response.text()}`);
    const json = (await response.json()) as { activities: WebMessage[] };
    return this.record(json.activities);
  }
}

export class Turn {
  constructor(readonly messages: WebMessage[]) {}

  /** All texts of the turn, as a text-only channel would show them. */
  get text(): string {
    return this.messages.map((m) => m.text).join('\n');
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

function buttonsOf(block: WebBlock): WebButton[] {
  switch (block.kind) {
    case 'buttons':
      return block.buttons;
    case 'form':
      return block.secondary;
    case 'ticket':
      return block.actions;
    case 'list':
      return [
        ...block.items.map((i) => ({ ...i.open, label: i.title })),
        ...block.navigation,
        ...block.actions,
      ];
    case 'figures':
      return [...block.figures.map((f) => f.open), ...block.actions];
    default:
      return [];
  }
}

export function findButton(messages: WebMessage[], label: string): WebButton | undefined {
  const buttons = messages.flatMap((m) => m.blocks).flatMap(buttonsOf);
  return buttons.find((b) => b.label === label) ?? buttons.find((b) => b.label.includes(label));
}
