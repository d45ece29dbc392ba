import { createTestDatabase, type TestDatabase } from '../support/db';
import { CUSTOMER_PASSWORD, DialogBot, lastCode, numberOf, openCustomer, signInByCode } from './harness';

/** Dialog flows through botbuilder's TestAdapter on PGlite with the real services (zh-CN). */
describe('dialogs (TestAdapter, zh-CN)', () => {
  let test: TestDatabase;
  let bot: DialogBot;
  beforeAll(async () => {
    test = await createTestDatabase('pglite');
    bot = new DialogBot(test.db);
  });
  afterAll(async () => {
    await test.drop();
  });

  it('welcomes a new chat user with the sign-in offer and answers unknown input helpfully', async () => {
    const chat = bot.chat();
    const welcome = await chat.event({
      type: 'conversationUpdate',
      membersAdded: [{ id: chat.chatUserId, name: 'x' }],
    });
    expect(welcome.text).toContain('您好');
    expect(welcome.text).toMatch(/1\. 网页登录/);
    const unknown = await chat.say('天气怎么样');
    expect(unknown.text).toContain('抱歉，我没有理解"天气怎么样"');
    expect(unknown.text).toContain('验证码登录');
  });

  it('an unbound user asking for tickets gets the sign-in offer', async () => {
    const chat = bot.chat();
    const turn = await chat.say('我的工单');
    expect(turn.text).toContain('请先登录');
    expect(turn.text).toContain('网页登录');
  });

  it('web sign-in link (F2a) points to the sign-in page with a one-time token', async () => {
    const chat = bot.chat();
    const turn = await chat.say('网页登录');
    const link = turn.replies.find((r) => r.kind === 'link');
    expect(link).toBeDefined();
    if (link?.kind !== 'link') throw new Error('no link');
    expect(link.url).toMatch(/^https:\/\/help\.example\.com\/auth\/sign-in\?token=.+/);
    expect(turn.text).toContain('10分钟内有效');
    const token = new URL(link.url).searchParams.get('token')!;
    const peek = await bot.services.bindings.peekWebToken(token, 'sign_in');
    expect(peek.chatUserId).toBe(chat.chatUserId);
  });

  it('code sign-in (F2b): wrong code tells remaining attempts, right code signs in; an initial password must be changed first', async () => {
    const { phone, account } = await openCustomer(bot, { keepInitialPassword: true });
    const chat = bot.chat();
    await chat.say('验证码登录');
    const sent = await chat.say(phone);
    expect(sent.text).toContain('验证码正在发送');
    const code = await lastCode(test.db, account.phone!);
    const wrong = await chat.say(code === '000000' ? '111111' : '000000');
    expect(wrong.text).toMatch(/验证码不正确，还可以再试\d次/);
    const short = await chat.say('12');
    expect(short.text).toContain('验证码是6位数字');
    const ok = await chat.say(code);
    expect(ok.text).toContain('登录成功，欢迎您，张三');
    expect(ok.text).toContain('修改初始密码');
    expect(ok.text).toMatch(/\/auth\/change-password\?token=/);
    // Nothing but the password change until it is done: no home, no tickets.
    expect(ok.text).not.toContain('待受理');
    const tickets = await chat.say('我的工单');
    expect(tickets.text).toContain('修改初始密码');
    expect(tickets.text).toMatch(/\/auth\/change-password\?token=/);
    const newTicket = await chat.say('新建工单');
    expect(newTicket.text).not.toContain('请输入工单标题');
    const { rows } = await test.db.query<{ password: string }>(
      `select payload->'secret'->>'password' as password from outbox
        where topic = 'account.credentials' and payload->>'accountId' = $1`,
      [account.id],
    );
    await bot.services.accounts.changePassword(account.id, rows[0]!.password, 'Chosen-pass-9');
    const home = await chat.say('菜单');
    expect(home.text).toContain('首页');
    expect(home.text).toContain('待受理');
  });

  it('new ticket (F5) step by step with validation, attachment, summary and submit', async () => {
    const { phone, account } = await openCustomer(bot);
    const chat = bot.chat();
    await signInByCode(test.db, chat, phone, account.phone!);
    const title = await chat.say('新建工单');
    expect(title.text).toContain('请输入工单标题');
    const empty = await chat.say('   ');
    expect(empty.text).toContain('工单标题不能为空');
    const long = await chat.say('长'.repeat(121));
    expect(long.text).toContain('标题最多120个字');
    const desc = await chat.say('打印机无法连接');
    expect(desc.text).toContain('请描述您遇到的问题');
    const cat = await chat.say('办公室的打印机从昨天开始无法连接网络');
    expect(cat.text).toContain('请选择问题分类');
    const prio = await chat.say('技术故障');
    expect(prio.text).toContain('请选择优先级');
    const bad = await chat.say('特别特别急');
    expect(bad.text).toContain('无效的优先级');
    const att = await chat.say('2');
    expect(att.text).toContain('附件');
    const added = await chat.say('', {
      attachments: [
        { contentType: 'image/png', contentUrl: 'https://files.example.com/a.png', name: 'a.png' },
      ],
    });
    expect(added.text).toContain('已添加附件：a.png');
    const channel = await chat.say('完成');
    expect(channel.text).toContain('通知');
    expect(channel.text).toContain('本聊天（默认）');
    const summary = await chat.say('1');
    expect(summary.text).toContain('请确认工单信息');
    expect(summary.text).toContain('打印机无法连接');
    expect(summary.text).toContain('高');
    expect(summary.text).toContain('a.png');
    const done = await chat.say('提交工单');
    expect(done.text).toMatch(/工单已提交，编号 T\d{8}-\d{4}/);
    expect(done.text).toMatch(/您排在第\d+位/);
  });

  it('cancel leaves the new-ticket dialog mid-way; save as draft keeps it; drafts resume and submit', async () => {
    const { phone, account } = await openCustomer(bot);
    const chat = bot.chat();
    await signInByCode(test.db, chat, phone, account.phone!);
    await chat.say('新建工单');
    await chat.say('要取消的工单');
    const cancelled = await chat.say('取消');
    expect(cancelled.text).toContain('已取消');
    expect(cancelled.text).toContain('还有什么可以帮您');

    await chat.say('新建工单');
    await chat.say('发票开错了');
    const saved = await chat.say('保存草稿');
    expect(saved.text).toContain('已保存为草稿"发票开错了"');

    const drafts = await chat.say('草稿箱');
    expect(drafts.text).toContain('发票开错了');
    const opened = await chat.say('1');
    expect(opened.text).toContain('编辑草稿');
    const edit = await chat.say('编辑草稿');
    expect(edit.text).toContain('已打开草稿');
    expect(edit.text).toContain('请描述您遇到的问题');
    await chat.say('抬头写错了');
    await chat.say('费用账单');
    await chat.say('普通');
    await chat.say('跳过');
    const summary = await chat.say('本聊天');
    expect(summary.text).toContain('请确认工单信息');
    const submitted = await chat.say({ value: { action: 'submit' }, text: '提交工单' });
    expect(submitted.text).toMatch(/工单已提交，编号 T\d{8}-\d{4}/);
  });

  it('lists page by 5 (F6), filter by status, open by number, details actions (F7, F8), cancel a ticket', async () => {
    const { phone, account, identities } = await openCustomer(bot);
    const chat = bot.chat();
    await signInByCode(test.db, chat, phone, account.phone!);
    const actor = { accountId: account.id, identityId: identities[0]!.id };
    const numbers: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const d = await bot.services.tickets.createDraft(actor, {
        title: `问题${i}`,
        description: 'd',
        category: 'other',
        priority: 'normal',
        replyChannel: { kind: 'sms' },
      });
      numbers.push((await bot.services.tickets.submit(actor, d.id)).ticket.number!);
    }
    const page1 = await chat.say('我的工单');
    expect(page1.text).toContain('第1页，第1-5条');
    expect(page1.text).toContain('问题7');
    expect(page1.text).not.toContain('问题2');
    const page2 = await chat.say('下一页');
    expect(page2.text).toContain('第2页，第6-7条');
    expect(page2.text).toContain('问题1');
    const back = await chat.say('上一页');
    expect(back.text).toContain('问题7');
    const filter = await chat.say('按状态筛选');
    expect(filter.text).toContain('请选择要查看的状态');
    const resolved = await chat.say('已解决');
    expect(resolved.text).toContain('暂无工单');
    await chat.say('全部状态');
    const details = await chat.say(numbers[6]!);
    expect(details.text).toContain(`【${numbers[6]}】问题7`);
    expect(details.text).toContain('待受理');
    const queue = await chat.say('排队进度');
    expect(queue.text).toMatch(/当前共有\d+张工单等待受理，您排在第\d+位/);
    await chat.say('取消工单');
    const confirm = await chat.say('是');
    expect(confirm.text).toContain('工单已取消');
    expect(confirm.text).toContain('已取消');
  });

  it('rating (F10): stars and comment, a second rating is refused clearly; reopen "not solved"', async () => {
    const { phone, account, identities } = await openCustomer(bot);
    const staff = await bot.services.staff.create(
      { staffId: '00000000-0000-4000-8000-000000000001', role: 'admin' },
      {
        name: '李客服',
        email: null,
        phone: null,
        role: 'agent',
        wecomUserId: null,
        teamsUserId: null,
        alertNewTicket: true,
        alertRating: true,
      },
    );
    const chat = bot.chat();
    await signInByCode(test.db, chat, phone, account.phone!);
    const actor = { accountId: account.id, identityId: identities[0]!.id };
    const agent = { staffId: staff.id, role: 'agent' as const };
    const make = async (title: string) => {
      const d = await bot.services.tickets.createDraft(actor, {
        title,
        description: 'd',
        category: 'other',
        priority: 'low',
        replyChannel: { kind: 'sms' },
      });
      const { ticket } = await bot.services.tickets.submit(actor, d.id);
      await bot.services.staffTickets.accept(agent, ticket.id);
      await bot.services.staffTickets.resolve(agent, ticket.id, '已为您重置网络配置');
      return ticket.number!;
    };
    const first = await make('需要评价');
    const card = await chat.say(first);
    expect(card.text).toContain('处理回复：已为您重置网络配置');
    expect(card.text).toContain('受理信息');
    const stars = await chat.say('评价');
    expect(stars.text).toContain('请为本次服务打分');
    const bad = await chat.say('9');
    expect(bad.text).toContain('请回复 1-5');
    const comment = await chat.say('4');
    expect(comment.text).toContain('★★★★');
    const thanks = await chat.say('响应很快');
    expect(thanks.text).toContain('感谢您的评价');
    // The card again: no rate action any more; a pressed old "rate" button is refused at once,
    // before any star prompt.
    const again = await chat.say({
      value: {
        action: 'rate',
        ticketId:
          card.replies.find((r) => r.kind === 'ticket')!.kind === 'ticket'
            ? (card.replies.find((r) => r.kind === 'ticket') as { ticket: { id: string } }).ticket.id
            : '',
      },
    });
    expect(again.text).toContain('已经评价过了');
    expect(again.text).not.toContain('请为本次服务打分');

    const second = await make('没解决');
    await chat.say(second);
    const reason = await chat.say('未解决');
    expect(reason.text).toContain('请简单说明原因');
    const reopened = await chat.say('还是连不上');
    expect(reopened.text).toContain('工单已重新打开');
    expect(reopened.text).toContain('处理中');
  });

  it('identities (F3): picker after sign-in, switch with current marked, unbound mid-conversation', async () => {
    const { phone, account, identities } = await openCustomer(bot, {
      identities: ['A公司联系人', 'B公司联系人', 'C公司联系人'],
    });
    const chat = bot.chat();
    const signedIn = await signInByCode(test.db, chat, phone, account.phone!);
    expect(signedIn.text).toContain('您的账号有多个身份');
    expect(signedIn.text).toContain('如需解绑不再使用的身份，请联系您的服务人员');
    const picked = await chat.say(numberOf(signedIn.text, 'B公司联系人'));
    expect(picked.text).toContain('已切换到身份');
    expect(picked.text).toContain('首页');
    const list = await chat.say('切换身份');
    expect(list.text).toMatch(/B公司联系人 ✓/);
    await chat.say('返回');
    await chat.say('我的工单');
    await bot.services.identities.unbind(
      { staffId: '00000000-0000-4000-8000-000000000001', role: 'admin' },
      identities[1]!.id,
    );
    const after = await chat.say('下一页');
    expect(after.text).toMatch(/身份已被解绑/);
    expect(after.text).toContain('A公司联系人');
    expect(after.text).not.toContain('B公司联系人');
  });

  it('profile (F13): view, edit name, avatar from an image, phone change confirmed by code', async () => {
    const { phone, account } = await openCustomer(bot);
    const chat = bot.chat();
    await signInByCode(test.db, chat, phone, account.phone!);
    const profile = await chat.say('个人资料');
    expect(profile.text).toContain('名称：张三');
    await chat.say('修改名称');
    const renamed = await chat.say('张小三');
    expect(renamed.text).toContain('名称已更新');
    expect(renamed.text).toContain('名称：张小三');
    await chat.say('更换头像');
    const avatar = await chat.say('', {
      attachments: [
        { contentType: 'image/jpeg', contentUrl: 'https://files.example.com/me.jpg', name: 'me.jpg' },
      ],
    });
    expect(avatar.text).toContain('头像已更新');
    await chat.say('修改手机号');
    const invalid = await chat.say('abc');
    expect(invalid.text).toContain('手机号格式不正确');
    const newPhone = `1350000${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;
    const sent = await chat.say(newPhone);
    expect(sent.text).toContain('验证码正在发送');
    const code = await lastCode(test.db, `+86${newPhone}`);
    const done = await chat.say(code);
    expect(done.text).toContain('联系方式已更新');
  });

  it('passwords (F11, F12): one-time links to the forgot/change password pages; resume event confirms', async () => {
    const chat = bot.chat();
    const forgot = await chat.say('忘记密码');
    expect(forgot.text).toMatch(/\/auth\/forgot-password\?token=/);
    const change = await chat.say('修改密码');
    expect(change.text).toContain('请先登录');
    const { phone, account } = await openCustomer(bot);
    await signInByCode(test.db, chat, phone, account.phone!);
    const link = await chat.say('修改密码');
    expect(link.text).toMatch(/\/auth\/change-password\?token=/);
    const resumed = await chat.event({
      type: 'event',
      name: 'helpdesk.resume',
      value: { kind: 'password_changed' },
    });
    expect(resumed.text).toContain('密码已修改成功');
  });

  it('helpdesk.resume signed_in (after the web sign-in page) confirms in chat and opens the identity picker', async () => {
    const { account } = await openCustomer(bot, { identities: ['甲', '乙'] });
    const chat = bot.chat();
    await chat.say('网页登录');
    await bot.services.bindings.signInWithPassword('web', chat.chatUserId, account.phone!, CUSTOMER_PASSWORD);
    const resumed = await chat.event({
      type: 'event',
      name: 'helpdesk.resume',
      value: { kind: 'signed_in' },
    });
    expect(resumed.text).toContain('登录成功，欢迎您，张三');
    expect(resumed.text).toContain('您的账号有多个身份');
  });

  it('language switch is remembered; help and menu work inside a dialog', async () => {
    const chat = bot.chat();
    const en = await chat.say('English');
    expect(en.text).toContain('Switched to English');
    expect(en.text).toContain('Sign in on the web');
    const help = await chat.say('help');
    expect(help.text).toContain('At any time');
    const later = await chat.say('hello there');
    expect(later.text).toContain("Sorry, I didn't understand");
    const zh = await chat.say('中文');
    expect(zh.text).toContain('已切换为中文');
  });
});
