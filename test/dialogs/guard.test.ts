import { ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import {
  DialogContextError,
  DialogSet,
  type DialogTurnResult,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { KNOWN_ACTIONS } from '../../dialogs/actions';
import { AskDialog } from '../../dialogs/ask';
import { Flow, type FlowState } from '../../dialogs/flow';
import { TURN_INFO, TurnBudget, TurnBudgetExceeded, type TurnInfo } from '../../dialogs/turn';
import { t } from '../../i18n';
import { Prng } from '../support/prng';
import { WebChatClient } from '../support/webchat';
import { type ChatApp, startChatApp } from './chat-app';
import { lastCode, openCustomer } from './harness';

/**
 * Issue 10, item 1: no input makes unbounded work. A value no button of ours made is refused before
 * any dialog sees it; a flow that would loop on its own runs out of its turn budget.
 */

class LoopingFlow extends Flow<FlowState> {
  asks = 0;
  protected async ask(step: WaterfallStepContext<FlowState>): Promise<DialogTurnResult> {
    this.asks += 1;
    return this.loop(step);
  }
  protected async answer(step: WaterfallStepContext<FlowState>): Promise<DialogTurnResult> {
    return step.endDialog();
  }
}

describe('the turn budget', () => {
  it('ends a flow that asks itself again forever after a bounded number of steps', async () => {
    const storage = new MemoryStorage();
    const conversation = new ConversationState(storage);
    const dialogs = new DialogSet(conversation.createProperty('dialogs'));
    const looping = new LoopingFlow('looping', {} as never);
    dialogs.add(new AskDialog()).add(looping);
    let thrown: unknown;
    const adapter = new TestAdapter(async (context) => {
      const info: TurnInfo = {
        channel: 'web',
        chatUserId: 'u1',
        locale: 'zh-CN',
        profile: {},
        budget: new TurnBudget(),
      };
      context.turnState.set(TURN_INFO, info);
      const dc = await dialogs.createContext(context);
      try {
        await dc.beginDialog('looping', {});
      } catch (error) {
        thrown = error instanceof DialogContextError ? error.error : error;
      }
    });
    await adapter.send('hello');
    expect(thrown).toBeInstanceOf(TurnBudgetExceeded);
    expect(looping.asks).toBe(TurnBudget.MAX_STEPS);
  });

  it('also ends a turn that runs out of time, step by step', () => {
    let clock = 0;
    const budget = new TurnBudget(1000, 100, () => clock);
    budget.spend('a');
    clock = 101;
    expect(() => budget.spend('b')).toThrow(TurnBudgetExceeded);
  });
});

for (const locale of ['zh-CN', 'en-US'] as const) {
  describe(`button values are parsed before any dialog sees them [${locale}]`, () => {
    let app: ChatApp;
    const m = (key: string) => t(locale, key);

    beforeAll(async () => {
      app = await startChatApp();
    }, 60_000);
    afterAll(async () => {
      await app?.stop();
    });

    async function signedIn(): Promise<WebChatClient> {
      const customer = await openCustomer({ services: app.ctx.services, db: app.db });
      const chat = new WebChatClient(app.url, { locale });
      await chat.open();
      await chat.press(m('menu.sign_in_code'));
      await chat.say(customer.phone);
      await chat.say(await lastCode(app.db, customer.account.phone!));
      return chat;
    }

    it('the values that looped the server are answered at once, "out of date" with the menu, memory flat', async () => {
      const chat = await signedIn();
      const values = [
        { action: 'list', scope: 'org' },
        { action: 'list', status: 'bogus' },
      ];
      const before = process.memoryUsage().rss;
      for (let round = 0; round < 50; round++) {
        for (const value of values) {
          const reply = await chat.send({ text: 'x', value });
          expect(reply.status).toBe(200);
          const text = reply.activities.map((a) => a.text).join('\n');
          expect(text).toContain(m('input.outdated_button'));
          expect(text).toContain(m('menu.new_ticket'));
        }
      }
      // A hundred refused turns later the process has not grown (the loop grew ~25 MB a second).
      expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
      // And the conversation goes on normally.
      const lists = await chat.press(m('menu.my_tickets'));
      expect(lists.text).toContain(m('list.empty'));
    });

    it('a fuzz over every action with random values: every turn answered, in time, never an error', async () => {
      const chat = await signedIn();
      const rng = new Prng(locale === 'zh-CN' ? 10_2026 : 11_2026);
      const pieces = [
        '',
        'org',
        'bogus',
        'mine',
        'drafts',
        'waiting,bogus',
        'technical',
        'zz',
        'T20260101-0001',
        '00000000-0000-4000-8000-000000000000',
        'not-a-uuid',
        '2026-01-01T00:00:00Z',
        'x'.repeat(3000),
        '\u0000',
        '\ud800',
        '<b>',
        '../../',
        'sms',
        'chat',
        'web',
        'teams',
        'en-US',
        'de-DE',
      ];
      const fields = [
        'scope',
        'status',
        'cursor',
        'page',
        'ticketId',
        'op',
        'identityId',
        'method',
        'locale',
        'kind',
        'channel',
        'chatUserId',
        'field',
        'stars',
        'form',
        'title',
        'description',
        'category',
        'priority',
        'comment',
        'unbound',
        'resolvedSince',
      ];
      const randomField = () =>
        rng.weighted<unknown>([
          [6, rng.pick(pieces)],
          [2, rng.between(-5, 200_000)],
          [1, rng.chance(0.5)],
          [1, null],
          [1, { nested: true }],
          [1, [1, 2]],
        ]);
      const failures: string[] = [];
      const TURNS = 1500;
      for (let i = 0; i < TURNS; i++) {
        const value: Record<string, unknown> = { action: rng.pick(KNOWN_ACTIONS) };
        for (const field of rng.sample(fields, rng.between(0, 4))) value[field] = randomField();
        const started = Date.now();
        const reply = await chat.send({ text: rng.chance(0.3) ? rng.pick(pieces) : '', value });
        const ms = Date.now() - started;
        const text = reply.activities.map((a) => a.text).join('\n');
        if (reply.status === 400) continue; // a value the endpoint itself refuses (not a flat object)
        if (reply.status !== 200) failures.push(`${JSON.stringify(value)} -> HTTP ${reply.status}`);
        else if (reply.activities.length === 0) failures.push(`${JSON.stringify(value)} -> no answer`);
        else if (text.includes(m('error.unexpected')) || text.includes(m('main.turn_budget')))
          failures.push(`${JSON.stringify(value)} -> ${text.slice(0, 200)}`);
        if (ms > TurnBudget.MAX_MS) failures.push(`${JSON.stringify(value)} -> ${ms} ms`);
      }
      expect(failures).toEqual([]);
      const home = await chat.say(m('menu.my_tickets'));
      expect(home.text).not.toContain(m('error.unexpected'));
    }, 240_000);
  });
}
