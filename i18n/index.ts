/**
 * Message catalogs shared by the bot's dialogs and the workers' notifications.
 * zh-CN is the default; every catalog ships both locales with identical keys (checked by a test).
 * Areas register themselves below: one file per area, each exporting a `CatalogPair`.
 */
import { chat } from './chat';
import { errors } from './errors';
import { notifications } from './notifications';
import type { CatalogPair, Locale, Params } from './types';

export type { Catalog, CatalogPair, Locale, Params } from './types';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en-US'];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

const merged: Record<Locale, Record<string, string>> = { 'zh-CN': {}, 'en-US': {} };
const areas = new Map<string, CatalogPair>();

/** Adds an area's messages. Keys must be unique across areas, so two teams never overwrite each other. */
export function registerCatalog(area: string, pair: CatalogPair): void {
  if (areas.has(area)) return;
  for (const locale of LOCALES) {
    for (const key of Object.keys(pair[locale])) {
      if (key in merged[locale])
        throw new Error(`i18n: key "${key}" of area "${area}" is already registered`);
    }
  }
  for (const locale of LOCALES) Object.assign(merged[locale], pair[locale]);
  areas.set(area, pair);
}

/** The registered areas (for the catalog consistency test). */
export function registeredAreas(): ReadonlyMap<string, CatalogPair> {
  return areas;
}

registerCatalog('chat', chat);
registerCatalog('errors', errors);
registerCatalog('notifications', notifications);

/** 'en', 'en-GB', 'EN_us' -> en-US; 'zh', 'zh-Hans-CN', 'zh_TW' -> zh-CN; anything else -> the default. */
export function resolveLocale(input?: string | null): Locale {
  const value = (input ?? '').trim().toLowerCase().replace('_', '-');
  if (value.startsWith('en')) return 'en-US';
  if (value.startsWith('zh')) return 'zh-CN';
  return DEFAULT_LOCALE;
}

export function hasMessage(key: string): boolean {
  return key in merged[DEFAULT_LOCALE];
}

/**
 * The message `key` in `locale`, with `{name}` placeholders filled from params.
 * A key missing in en-US falls back to zh-CN; an unknown key returns the key itself (visible, never a crash).
 */
export function t(locale: string, key: string, params?: Params): string {
  const loc = resolveLocale(locale);
  const template = merged[loc][key] ?? merged[DEFAULT_LOCALE][key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined || value === null ? whole : String(value);
  });
}

/** Customers and staff are in China: times are shown in Asia/Shanghai in both languages. */
export const DISPLAY_TIME_ZONE = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2026/11/24 09:30" (zh-CN) or "Nov 24, 2026, 09:30" (en-US). */
export function formatDateTime(locale: string, date: Date | string): string {
  const loc = resolveLocale(locale);
  let format = formatters.get(loc);
  if (!format) {
    format = new Intl.DateTimeFormat(loc, {
      timeZone: DISPLAY_TIME_ZONE,
      year: 'numeric',
      month: loc === 'zh-CN' ? '2-digit' : 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(loc, format);
  }
  return format.format(typeof date === 'string' ? new Date(date) : date);
}
