import { t } from '../../i18n';

/** Escapes text for HTML element content and double-quoted attributes. Every dynamic value goes through it. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"'`]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c] ?? c,
  );
}

export interface Field {
  name: string;
  labelKey: string;
  type: 'text' | 'password';
  autocomplete: string;
  value?: string;
  minLength?: number;
  maxLength: number;
  hint?: string;
  inputmode?: 'numeric' | 'email' | 'text';
  pattern?: string;
}

export interface FormView {
  action: string;
  /** Hidden fields: token, csrf, lang, step... (values escaped here). */
  hidden: Record<string, string>;
  fields: Field[];
  submitKey: string;
}

export interface PageView {
  locale: string;
  titleKey: string;
  /** Short paragraphs, already localized (escaped here). */
  intro?: string[];
  notice?: string;
  error?: string;
  form?: FormView;
  /** A secondary form (e.g. "send the code again"). */
  secondaryForm?: FormView;
  /** Where the language switch points (the GET URL with ?lang=...), when the page can be reloaded. */
  switchUrl?: string;
  tone?: 'normal' | 'success' | 'problem';
}

function renderForm(locale: string, form: FormView, secondary = false): string {
  const hidden = Object.entries(form.hidden)
    .map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`)
    .join('');
  const fields = form.fields
    .map((f) => {
      const attrs = [
        `id="f-${esc(f.name)}"`,
        `name="${esc(f.name)}"`,
        `type="${f.type}"`,
        `autocomplete="${esc(f.autocomplete)}"`,
        'required',
        `maxlength="${f.maxLength}"`,
        f.minLength ? `minlength="${f.minLength}"` : '',
        f.inputmode ? `inputmode="${f.inputmode}"` : '',
        f.pattern ? `pattern="${esc(f.pattern)}"` : '',
        f.value !== undefined && f.type !== 'password' ? `value="${esc(f.value)}"` : '',
      ].filter(Boolean);
      const hint = f.hint ? `<small>${esc(f.hint)}</small>` : '';
      return `<label for="f-${esc(f.name)}">${esc(t(locale, f.labelKey))}</label><input ${attrs.join(' ')}>${hint}`;
    })
    .join('\n');
  return `<form method="post" action="${esc(form.action)}" class="${secondary ? 'secondary' : 'primary'}">
${hidden}
${fields}
<button type="submit">${esc(t(locale, form.submitKey))}</button>
</form>`;
}

/** A whole page: one card, no script, styles from /auth/pages.css. */
export function renderPage(view: PageView): string {
  const { locale } = view;
  const title = t(locale, view.titleKey);
  const parts: string[] = [];
  if (view.notice) parts.push(`<p class="notice" role="status">${esc(view.notice)}</p>`);
  if (view.error) parts.push(`<p class="error" role="alert">${esc(view.error)}</p>`);
  for (const p of view.intro ?? []) parts.push(`<p>${esc(p)}</p>`);
  if (view.form) parts.push(renderForm(locale, view.form));
  if (view.secondaryForm) parts.push(renderForm(locale, view.secondaryForm, true));
  const switcher = view.switchUrl
    ? `<p class="lang"><a href="${esc(view.switchUrl)}">${esc(t(locale, 'pages.switch_language'))}</a></p>`
    : '';
  return `<!doctype html>
<html lang="${esc(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · ${esc(t(locale, 'pages.brand'))}</title>
<link rel="stylesheet" href="/auth/pages.css">
</head>
<body>
<main class="card ${view.tone ?? 'normal'}">
<p class="brand">${esc(t(locale, 'pages.brand'))}</p>
<h1>${esc(title)}</h1>
${parts.join('\n')}
${switcher}
</main>
</body>
</html>`;
}

export const PAGES_CSS = `*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f2f4f7;
font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1d2939}
.card{background:#fff;width:min(420px,100% - 32px);padding:28px;border-radius:12px;box-shadow:0 4px 24px rgba(16,24,40,.08)}
.card.success h1{color:#067647}.card.problem h1{color:#b42318}
.brand{margin:0;color:#667085;font-size:13px;letter-spacing:.05em}
h1{margin:4px 0 16px;font-size:22px}
label{display:block;margin:14px 0 4px;font-weight:600;font-size:14px}
input{width:100%;padding:10px 12px;border:1px solid #d0d5dd;border-radius:8px;font:inherit}
input:focus{outline:2px solid #2e90fa;border-color:#2e90fa}
small{color:#667085;font-size:12px}
button{margin-top:20px;width:100%;padding:11px;border:0;border-radius:8px;background:#1570ef;color:#fff;font:inherit;font-weight:600;cursor:pointer}
form.secondary button{background:#fff;color:#1570ef;border:1px solid #d0d5dd;margin-top:12px}
.error{background:#fef3f2;color:#b42318;padding:10px 12px;border-radius:8px}
.notice{background:#ecfdf3;color:#067647;padding:10px 12px;border-radius:8px}
.lang{margin:20px 0 0;text-align:right;font-size:14px}a{color:#1570ef}
`;
