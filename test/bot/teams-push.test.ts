import { randomUUID } from 'node:crypto';
import { createTeamsAdapter } from '../../bot/teams/adapter';
import type { ReplyChannel } from '../../services/contracts';
import { TeamsRecipientGoneError, TeamsSender } from '../../workers/senders/teams';
import type { EmailSender, OutboundMessage } from '../../workers/senders/types';
import { RecipientUnreachableError } from '../../workers/senders/types';
import { cardOf, type FakeBotConnector, startFakeBotConnector, textOf } from '../fakes/bot-connector';
import { drivers } from '../support/db';
import { createCustomer, createOrganization, createStaff, type TestCustomer } from '../support/fixtures';
import { createHarness, eventually, type Harness } from '../workers/harness';

/**
 * Proactive Teams messages from the worker side: a context without any bot or HTTP server (the worker
 * process), the adapter built from configuration alone, the stored conversation reference of a bound
 * Teams user, and the fake Bot Connector as Teams.
 */

interface TeamsCustomer extends TestCustomer {
  teams: { chatUserId: string; conversationId: string };
  replyChannel: ReplyChannel;
}

async function teamsCustomer(h: Harness, connector: FakeBotConnector): Promise<TeamsCustomer> {
  const org = await createOrganization(h.db);
  const customer = await createCustomer(h.db, org, { email: `c-${randomUUID()}@example.com` });
  const chatUserId = `29:${randomUUID()}`;
  const conversationId = `a:${randomUUID()}`;
  // What the bot stores on every inbound Teams message (TurnContext.getConversationReference).
  const reference = {
    activityId: 'f:last-message',
    user: { id: chatUserId, name: 'Customer' },
    bot: { id: '28:helpdesk-bot', name: 'Helpdesk' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' },
    channelId: 'msteams',
    locale: 'zh-CN',
    serviceUrl: connector.url,
  };
  await h.db.query(
    `insert into chat_bindings (channel, chat_user_id, account_id, active_identity_id, conversation_ref, bound_at)
     values ('teams', $1, $2, $3, $4::jsonb, now())`,
    [chatUserId, customer.accountId, customer.identityId, JSON.stringify(reference)],
  );
  return {
    ...customer,
    teams: { chatUserId, conversationId },
    replyChannel: { kind: 'chat', channel: 'teams', chatUserId },
  };
}

async function fileTicket(h: Harness, customer: TeamsCustomer) {
  const draft = await h.ctx.services.tickets.createDraft(customer.actor, {
    title: '打印机卡纸',
    description: '三楼打印机一直卡纸',
    category: 'technical',
    priority: 'normal',
    replyChannel: customer.replyChannel,
  });
  return (await h.ctx.services.tickets.submit(customer.actor, draft.id)).ticket;
}

const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  key: `k-${randomUUID()}`,
  locale: 'zh-CN',
  title: '工单已受理',
  text: '客服王五已受理您的工单。',
  hints: [],
  actions: [{ label: '查看工单', value: { action: 'open_ticket', ticketId: 't1' } }],
  highlight: false,
  sms: { template: 'notice', params: {} },
  ...overrides,
});

for (const driver of drivers) {
  describe(`Teams proactive push from the worker process [${driver}]`, () => {
    let h: Harness;
    let connector: FakeBotConnector;
    const mails: { address: string; message: OutboundMessage }[] = [];
    const email: EmailSender = {
      async send(to, msg) {
        mails.push({ address: to.address, message: msg });
      },
    };

    beforeAll(async () => {
      connector = await startFakeBotConnector();
      h = await createHarness({ driver, env: { CHANNELS: 'web,teams' } });
      await h.start({ senders: { email } });
    });
    afterAll(async () => {
      await h?.stop();
      await connector?.close();
    });
    beforeEach(() => {
      connector.clear();
      mails.length = 0;
    });

    it('a status change reaches the bound Teams user as a new message with a card (F9)', async () => {
      const customer = await teamsCustomer(h, connector);
      const ticket = await fileTicket(h, customer);
      const staff = await createStaff(h.db, '王五');
      await h.ctx.services.staffTickets.accept(staff, ticket.id);
      const [push] = await connector.waitFor(
        (c) => c.kind === 'send' && c.conversationId === customer.teams.conversationId,
        1,
        20_000,
      );
      // Sent to the conversation (not as a reply to the user's last message), with the app's identity.
      expect(push!.path).toBe(
        `/v3/conversations/${encodeURIComponent(customer.teams.conversationId)}/activities`,
      );
      expect(push!.body.recipient).toMatchObject({ id: customer.teams.chatUserId });
      expect(textOf(push!)).toContain(ticket.number!);
      expect(textOf(push!)).toContain('王五');
      const view = cardOf(push!)!.actions.find(
        (a: { data: { action: string } }) => a.data.action === 'open_ticket',
      );
      expect(view.data.ticketId).toBe(ticket.id);
    });

    it('Teams answering 403 marks the binding unreachable and the update falls back to email', async () => {
      const customer = await teamsCustomer(h, connector);
      const ticket = await fileTicket(h, customer);
      connector.fail({
        status: 403,
        code: 'BotNotInConversationRoster',
        conversationId: customer.teams.conversationId,
        times: 10,
      });
      const staff = await createStaff(h.db, '赵六');
      await h.ctx.services.staffTickets.accept(staff, ticket.id);
      await eventually(() => mails.some((m) => m.message.text.includes('赵六')), 'the email fallback');
      expect((await h.ctx.services.bindings.get('teams', customer.teams.chatUserId))!.reachable).toBe(false);
      expect(connector.calls.filter((c) => c.status === 403)).toHaveLength(1);
      // Later events go straight to email, no further attempt on the dead conversation.
      await h.ctx.services.staffTickets.resolve(staff, ticket.id, '已更换搓纸轮');
      await eventually(() => mails.length >= 2, 'the second email');
      expect(connector.calls.filter((c) => c.conversationId === customer.teams.conversationId)).toHaveLength(
        1,
      );
    });

    it('a 429 with Retry-After is sent again after the wait', async () => {
      const customer = await teamsCustomer(h, connector);
      const ticket = await fileTicket(h, customer);
      connector.fail({ status: 429, retryAfter: 1, conversationId: customer.teams.conversationId });
      await h.ctx.services.staffTickets.accept(await createStaff(h.db), ticket.id);
      const [ok] = await connector.waitFor(
        (c) => c.kind === 'send' && c.status === 201 && c.conversationId === customer.teams.conversationId,
        1,
        20_000,
      );
      const throttled = connector.calls.find((c) => c.status === 429)!;
      expect(ok!.at - throttled.at).toBeGreaterThanOrEqual(950);
    });
  });
}

describe('TeamsSender retries and failures', () => {
  let h: Harness;
  let connector: FakeBotConnector;
  let customer: TeamsCustomer;
  const waits: number[] = [];
  const sender = (options: { maxInlineWaitMs?: number; attempts?: number } = {}) =>
    new TeamsSender(h.ctx, createTeamsAdapter(h.ctx.config, h.ctx.logger), {
      baseDelayMs: 50,
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 1100)));
      },
      ...options,
    });
  const to = () => ({
    kind: 'chat' as const,
    channel: 'teams' as const,
    chatUserId: customer.teams.chatUserId,
    conversationRef: { ...connectorRef(), conversation: { id: customer.teams.conversationId } },
  });
  const connectorRef = () => ({
    channelId: 'msteams',
    serviceUrl: connector.url,
    bot: { id: '28:helpdesk-bot' },
  });

  beforeAll(async () => {
    connector = await startFakeBotConnector();
    h = await createHarness({ env: { CHANNELS: 'web,teams' } });
  });
  afterAll(async () => {
    await h?.stop();
    await connector?.close();
  });
  beforeEach(async () => {
    connector.clear();
    waits.length = 0;
    customer = await teamsCustomer(h, connector);
  });

  it('keeps retrying a 429 past the HTTP pipeline, waiting what Retry-After says', async () => {
    // The SDK's pipeline retries 429 + Retry-After three times itself; the fourth failure reaches us.
    connector.fail({ status: 429, retryAfter: 1, times: 4 });
    await sender().send(to(), message());
    expect(waits).toEqual([1000]);
    expect(connector.calls.map((c) => c.status)).toEqual([429, 429, 429, 429, 201]);
  });

  it('retries 412 (not retried by the pipeline) with backoff', async () => {
    connector.fail({ status: 412, times: 2 });
    await sender().send(to(), message());
    expect(waits).toEqual([50, 100]);
    expect(connector.calls.map((c) => c.status)).toEqual([412, 412, 201]);
  });

  it('403 and 404 mean the user removed the bot: unreachable, with a typed error for the fallback', async () => {
    for (const [status, code] of [
      [403, 'BotNotInConversationRoster'],
      [404, 'ConversationNotFound'],
    ] as const) {
      await h.ctx.services.bindings.touch('teams', customer.teams.chatUserId);
      connector.fail({ status, code, times: 1 });
      const error = await sender()
        .send(to(), message())
        .catch((e) => e);
      expect(error).toBeInstanceOf(TeamsRecipientGoneError);
      expect(error).toBeInstanceOf(RecipientUnreachableError);
      expect(error.message).toContain(code);
      expect((await h.ctx.services.bindings.get('teams', customer.teams.chatUserId))!.reachable).toBe(false);
    }
  });

  it('a user without a stored reference is unreachable at once', async () => {
    const error = await sender()
      .send({ ...to(), conversationRef: null }, message())
      .catch((e) => e);
    expect(error).toBeInstanceOf(RecipientUnreachableError);
    expect(connector.calls).toHaveLength(0);
  });

  it('a low rating alert in the staff channel stands out, with an Open button and no card id', async () => {
    h.ctx.config.TEAMS_STAFF_CONVERSATION_ID = '19:staff@thread.tacv2';
    h.ctx.config.TEAMS_STAFF_SERVICE_URL = connector.url;
    await sender().send(
      { kind: 'staff_group', channel: 'teams' },
      message({
        title: '收到低分评价',
        text: '1 星：太慢了',
        highlight: true,
        actions: [{ label: '查看', value: { action: 'staff_open', ticketId: 't1' } }],
      }),
    );
    const [alert] = connector.sent();
    expect(alert!.conversationId).toBe('19:staff@thread.tacv2');
    const card = cardOf(alert!)!;
    expect(card.body[0]).toMatchObject({ type: 'Container', style: 'attention' });
    expect(card.body[0].items[0].color).toBe('Attention');
    expect(card.actions[0].data).toEqual({ action: 'staff_open', ticketId: 't1' });
  });
});
