import { startTestApp, type TestApp } from '../support/app';

export type ChatApp = TestApp;

/** The app the transcript tests talk to over HTTP: the real one (test/support/app.ts), on PGlite. */
export function startChatApp(options: { db?: TestApp['db']; now?: () => Date } = {}): Promise<ChatApp> {
  return startTestApp({ db: options.db, now: options.now });
}
