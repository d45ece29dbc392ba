/** A minimal form-posting browser for the server-rendered pages: keeps cookies, reads hidden fields. */
export class PageBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, index), pair!.slice(index + 1));
    }
  }

  forgetCookies(): void {
    this.cookies.clear();
  }

  async get(path: string): Promise<Page> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      headers: { ...this.headers, ...this.cookieHeader() },
    });
    this.remember(res);
    return new Page(res, await res.text());
  }

  async post(path: string, fields: Record<string, string>): Promise<Page> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        ...this.headers,
        ...this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    this.remember(res);
    return new Page(res, await res.text());
  }

  /** Fills the page's (first or `index`-th) form: its hidden fields plus `fields`, posted to its action. */
  async submit(page: Page, fields: Record<string, string>, index = 0): Promise<Page> {
    const form = page.forms()[index];
    if (!form) throw new Error(`no form ${index} on the page: ${page.text()}`);
    return this.post(form.action, { ...form.hidden, ...fields });
  }
}

export class Page {
  constructor(
    readonly res: Response,
    readonly html: string,
  ) {}

  get status(): number {
    return this.res.status;
  }

  header(name: string): string | null {
    return this.res.headers.get(name);
  }

  /** The visible text, tags removed, entities decoded (enough for assertions). */
  text(): string {
    return this.html
      .replace(/<style[\s\S]*?<\/style>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim();
  }

  forms(): { action: string; hidden: Record<string, string>; inputs: string[] }[] {
    return [...this.html.matchAll(/<form method="post" action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map(
      (m) => {
        const hidden: Record<string, string> = {};
        for (const h of m[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
          hidden[h[1]!] = h[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
        }
        const inputs = [...m[2]!.matchAll(/<input id="[^"]*" name="([^"]+)"/g)].map((i) => i[1]!);
        return { action: m[1]!, hidden, inputs };
      },
    );
  }
}
