import { t } from '../../i18n';
import { WebChatClient } from '../support/webchat';
import { startChatApp } from './chat-app';
import { lastCode, openCustomer } from './harness';

/** A dialog half done survives a restart of the app on the same database (state lives in bot_state). */
describe('restart', () => {
  it('a new ticket half filled in continues after the app restarts', async () => {
    const first = await startChatApp();
    const customer = await openCustomer({ services: first.ctx.services, db: first.db });
    const chat = new WebChatClient(first.url, { locale: 'zh-CN' });
    await chat.open();
    await chat.press(t('zh-CN', 'menu.sign_in_code'));
    await chat.say(customer.phone);
    await chat.say(await lastCode(first.db, customer.account.phone!));
    await chat.press(t('zh-CN', 'menu.new_ticket'));
    await chat.say('重启前的标题');
    const asked = await chat.say('重启前填写的描述');
    expect(asked.text).toContain(t('zh-CN', 'ticket.ask_category'));
    await first.stop({ keepDatabase: true });

    const second = await startChatApp({ db: first.db });
    try {
      const resumed = chat.sameBrowserOn(second.url);
      const priority = await resumed.say('2');
      expect(priority.text).toContain(t('zh-CN', 'ticket.ask_priority'));
      await resumed.say('普通');
      await resumed.say('跳过');
      const summary = await resumed.say('1');
      expect(summary.text).toContain('重启前的标题');
      expect(summary.text).toContain('重启前填写的描述');
      expect(summary.text).toContain(t('zh-CN', 'category.billing'));
      const submitted = await resumed.say('提交工单');
      expect(submitted.text).toMatch(/工单已提交，编号 T\d{8}-\d{4}/);
    } finally {
      await second.stop();
      await first.db.close().catch(() => undefined);
    }
  }, 60_000);
});
