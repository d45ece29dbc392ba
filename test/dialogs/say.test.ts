import { choice } from '../../dialogs/choices';
import { matchTyped } from '../../dialogs/input';
import type { Reply } from '../../dialogs/replies';
import { fallbackText, REPLY_CONTENT_TYPE, replyChoices, replyOf, toActivity } from '../../dialogs/say';
import { channelOf, chatUserOf, localeOfTurn } from '../../dialogs/turn';

const list: Reply = {
  kind: 'list',
  title: '我提交的',
  pageLabel: '第1页，第1-2条',
  items: [
    {
      id: 'a',
      title: '打印机',
      subtitle: 'T20261124-0001 · 待受理',
      open: { action: 'open_ticket', ticketId: 'a' },
    },
    {
      id: 'b',
      title: '发票',
      subtitle: 'T20261124-0002 · 处理中',
      open: { action: 'open_ticket', ticketId: 'b' },
    },
  ],
  navigation: [
    choice('下一页', { action: 'list', scope: 'mine', cursor: 'c2', page: 2 }, { keywords: ['next'] }),
  ],
  actions: [choice('返回首页', { action: 'menu' })],
  emptyText: '暂无工单。',
};

describe('say: replies as activities', () => {
  it('carries the reply as an attachment and a complete numbered text fallback', () => {
    const activity = toActivity(list, 'zh-CN');
    expect(activity.attachments?.[0]?.contentType).toBe(REPLY_CONTENT_TYPE);
    expect(replyOf(activity)).toEqual(list);
    expect(activity.text).toBe(
      '我提交的 (第1页，第1-2条)\n1. 打印机\n   T20261124-0001 · 待受理\n2. 发票\n   T20261124-0002 · 处理中\n3. 下一页\n4. 返回首页',
    );
  });

  it('numbers choices the same way the recognizer reads typed numbers and words', () => {
    const choices = replyChoices(list);
    expect(matchTyped(choices, '2')?.value).toEqual({ action: 'open_ticket', ticketId: 'b' });
    expect(matchTyped(choices, '３')?.value.action).toBe('list');
    expect(matchTyped(choices, 'Next!')?.value.cursor).toBe('c2');
    expect(matchTyped(choices, '下一页。')?.value.page).toBe(2);
    expect(matchTyped(choices, '9')).toBeUndefined();
  });

  it('keeps labels short for WeCom menus and Teams buttons', () => {
    expect(
      [...choice('一个非常非常非常非常非常非常非常长的按钮标签', { action: 'x' }).label].length,
    ).toBeLessThanOrEqual(20);
  });

  it('renders links with their validity, and figures with counts', () => {
    expect(
      fallbackText(
        {
          kind: 'link',
          text: 'Open it',
          url: 'https://x/auth/sign-in?token=t',
          label: 'Open',
          expiresInSeconds: 600,
        },
        'en-US',
      ),
    ).toBe('Open it\nhttps://x/auth/sign-in?token=t\n(The link is valid for 10 minutes and works once.)');
    const figures: Reply = {
      kind: 'figures',
      title: 'Home',
      figures: [
        {
          label: 'Waiting',
          count: 2,
          open: choice('Waiting', { action: 'list', scope: 'mine', status: 'waiting' }),
        },
      ],
      actions: [choice('New ticket', { action: 'new_ticket' })],
    };
    expect(fallbackText(figures, 'en-US')).toBe('Home\n1. Waiting: 2\n2. New ticket');
  });

  it('knows the channel, chat user and locale of a turn', () => {
    expect(channelOf({ channelId: 'msteams' })).toBe('teams');
    expect(channelOf({ channelId: 'web' })).toBe('web');
    expect(chatUserOf({ from: { id: 'u1', name: '' } })).toBe('u1');
    expect(
      chatUserOf({
        recipient: { id: 'bot', name: '' },
        membersAdded: [
          { id: 'bot', name: '' },
          { id: 'u2', name: '' },
        ],
      }),
    ).toBe('u2');
    expect(localeOfTurn({ remembered: 'en-US', binding: 'zh-CN', activity: 'zh-CN' })).toBe('en-US');
    expect(localeOfTurn({ binding: 'en', activity: 'zh-CN' })).toBe('en-US');
    expect(localeOfTurn({ activity: 'en-GB' })).toBe('en-US');
    expect(localeOfTurn({})).toBe('zh-CN');
  });
});
