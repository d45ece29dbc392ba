export type Locale = 'zh-CN' | 'en-US';
export type Catalog = Record<string, string>;
/** One area's messages in both locales, with the same keys. */
export type CatalogPair = Record<Locale, Catalog>;
export type Params = Record<string, string | number | null | undefined>;
