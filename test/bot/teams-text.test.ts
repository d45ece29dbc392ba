import { t } from '../../i18n';
import { type FakeBotConnector, FakeTeamsUser, startFakeBotConnector, textOf } from '../fakes/bot-connector';
import { startTestApp, type TestApp } from '../support/app';

/** Issue 10, item 4, in Teams: a NUL or a lone surrogate in a message or in the user's name never fails the turn. */
describe('Teams: text that cannot be stored', () => {
  let app: TestApp;
  let connector: FakeBotConnector;

  beforeAll(async () => {
    connector = await startFakeBotConnector();
    app = await startTestApp({ env: { CHANNELS: 'web,teams' } });
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  it('a message with NUL or a lone surrogate is re-prompted; a name with them is stored cleaned', async () => {
    const user = new FakeTeamsUser({ botUrl: app.url, connector, name: '韩\u0000梅\ud800梅' });
    const welcome = await user.install();
    expect(user.lastStatus).toBe(200);
    expect(welcome.map(textOf).join('\n')).toContain(t('zh-CN', 'main.welcome').split('\n')[0]!);
    for (const text of ['a\u0000b', '\ud800', 'x\udfffy']) {
      const reply = await user.say(text);
      expect(user.lastStatus).toBe(200);
      const said = reply.map(textOf).join('\n');
      expect(said).toContain(t('zh-CN', 'error.invalid_characters'));
      expect(said).not.toContain(t('zh-CN', 'runtime.turn_failed'));
    }
    const { rows } = await app.db.query<{ name: string }>(
      `select conversation_ref->'user'->>'name' as name from chat_bindings where channel = 'teams' and chat_user_id = $1`,
      [user.userId],
    );
    expect(rows[0]!.name).toBe('韩梅\ufffd梅');
    // And the conversation goes on.
    const menu = await user.say('菜单');
    expect(menu.map(textOf).join('\n')).toContain(t('zh-CN', 'menu.sign_in_web'));
  });

  it('a staff button value no alert carries is refused before anything acts on it', async () => {
    const staff = new FakeTeamsUser({ botUrl: app.url, connector, name: 'Agent' });
    await app.db.query(`insert into staff (name, role, teams_user_id) values ('Agent', 'agent', $1)`, [
      staff.userId,
    ]);
    for (const value of [
      { action: 'staff_accept', ticketId: "'; drop table tickets; --" },
      { action: 'staff_open', ticketId: { $ne: null } },
      { action: 'staff_accept' },
    ]) {
      const reply = await staff.press(value as never);
      expect(staff.lastStatus).toBe(200);
      expect(reply.map(textOf).join('\n')).toContain(t('zh-CN', 'input.outdated_button'));
    }
    const { rows } = await app.db.query<{ n: number }>('select count(*)::int as n from tickets');
    expect(rows[0]!.n).toBe(0);
  });
});
