import { replyContractProblems } from '../../bot/render/contract';
import {
  ADAPTIVE_CARD,
  CARD_ID_KEY,
  renderReplyCard,
  renderTeamsActivity,
  renderUsedCard,
  usedCardModel,
} from '../../bot/render/teams';
import type { Reply } from '../../dialogs/replies';
import { toActivity } from '../../dialogs/say';
import { notificationCard } from '../../workers/senders/teams';
import { type CardJson, cardElements } from '../fakes/bot-connector';

/** Everything Adaptive Cards 1.5 defines that we use; Teams drops a card with an unknown element. */
const SCHEMA_15_TYPES = new Set([
  'AdaptiveCard',
  'TextBlock',
  'FactSet',
  'Container',
  'ColumnSet',
  'Column',
  'ActionSet',
  'Image',
  'Input.Text',
  'Input.ChoiceSet',
  'Action.Submit',
  'Action.OpenUrl',
]);

const KB = 1024;
const cjk = (n: number) => '测'.repeat(n);

const form: Reply = {
  kind: 'form',
  formId: 'new_ticket',
  title: '请填写工单',
  fields: [
    { id: 'title', kind: 'text', label: '标题', required: true, maxLength: 120, errorMessage: '请填写标题' },
    {
      id: 'phone',
      kind: 'text',
      label: '电话',
      required: false,
      maxLength: 20,
      pattern: '^\\+?\\d{6,15}$',
      errorMessage: '电话格式不对',
    },
    {
      id: 'description',
      kind: 'textarea',
      label: '问题描述',
      required: true,
      maxLength: 5000,
      errorMessage: '请描述问题',
    },
    {
      id: 'priority',
      kind: 'choice',
      label: '优先级',
      required: true,
      value: 'normal',
      options: [
        { label: '紧急', value: 'urgent' },
        { label: '高', value: 'high' },
        { label: '普通', value: 'normal' },
        { label: '低', value: 'low' },
      ],
      errorMessage: '请选择优先级',
    },
  ],
  submit: { label: '下一步', value: { action: 'ticket_form', form: 'new_ticket' }, style: 'primary' },
  secondary: [{ label: '取消', value: { action: 'cancel' } }],
};

const rating: Reply = {
  kind: 'form',
  formId: 'rating',
  title: '请为本次服务打分',
  fields: [
    { id: 'stars', kind: 'rating', label: '评分', required: true, max: 5, errorMessage: '请选择 1-5 星' },
    {
      id: 'comment',
      kind: 'textarea',
      label: '评价',
      required: false,
      maxLength: 500,
      errorMessage: '太长了',
    },
  ],
  submit: { label: '提交评价', value: { action: 'rate_form', form: 'rating' } },
  secondary: [
    ...[1, 2, 3, 4, 5].map((n) => ({ label: `${n} 星`, value: { action: 'stars', stars: n } })),
    { label: '取消', value: { action: 'cancel' } },
  ],
};

function list(items: number, titleLength = 20): Reply {
  return {
    kind: 'list',
    title: '我的工单',
    pageLabel: '第 2 页',
    items: Array.from({ length: items }, (_, i) => ({
      id: `t${i}`,
      title: `T20260101-${String(i).padStart(4, '0')} ${cjk(titleLength)}`,
      subtitle: `处理中 · ${cjk(titleLength)}`,
      open: { action: 'open_ticket', ticketId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
    })),
    navigation: [
      { label: '上一页', value: { action: 'list', scope: 'mine', page: 1 } },
      { label: '下一页', value: { action: 'list', scope: 'mine', page: 3, cursor: 'x'.repeat(200) } },
    ],
    actions: [{ label: '菜单', value: { action: 'menu' } }],
    emptyText: '没有工单',
  };
}

function hugeTicket(): Reply {
  return {
    kind: 'ticket',
    ticket: {
      id: '00000000-0000-4000-8000-000000000001',
      number: 'T20260101-0001',
      title: cjk(120),
      status: 'resolved',
      statusLabel: '已解决',
      facts: Array.from({ length: 12 }, (_, i) => ({ label: `字段${i}`, value: cjk(1000) })),
      description: cjk(5000),
      resolution: cjk(5000),
      timeline: Array.from({ length: 100 }, (_, i) => ({ at: `2026/01/${i} 09:00`, text: cjk(2000) })),
    },
    actions: ['评价', '未解决', '分享', '补充说明', '菜单', '我的工单'].map((label, i) => ({
      label,
      value: { action: 'ticket_action', op: `op${i}`, ticketId: '00000000-0000-4000-8000-000000000001' },
    })),
  };
}

const cardOfActivity = (reply: Reply, cardId = 'card-1') => {
  const activity = renderTeamsActivity(toActivity(reply, 'zh-CN'), cardId);
  const attachment = activity.attachments?.find((a) => a.contentType === ADAPTIVE_CARD);
  return { activity, card: attachment?.content as CardJson };
};

function expectSchema15(card: CardJson) {
  expect(card.version).toBe('1.5');
  for (const element of cardElements(card)) expect(SCHEMA_15_TYPES).toContain(element.type);
}

describe('Teams renderer: replies as Adaptive Cards 1.5', () => {
  it('a choices reply: the text and one button per choice, each sending its value and the card id', () => {
    const reply: Reply = {
      kind: 'choices',
      text: '您还没有登录。',
      choices: [
        { label: '网页登录', value: { action: 'sign_in', method: 'web' }, style: 'primary' },
        { label: '帮助', value: { action: 'help' } },
      ],
    };
    const { activity, card } = cardOfActivity(reply);
    expectSchema15(card);
    // The card replaces the text (Teams would show both); the text stays as the notification preview.
    expect(activity.text).toBeUndefined();
    expect(activity.summary).toBe('您还没有登录。');
    expect(activity.attachments).toHaveLength(1);
    const buttons = cardElements(card).filter((e) => e.type === 'Action.Submit');
    expect(buttons.map((b) => [b.title, b.data, b.style])).toEqual([
      ['网页登录', { action: 'sign_in', method: 'web', [CARD_ID_KEY]: 'card-1' }, 'positive'],
      ['帮助', { action: 'help', [CARD_ID_KEY]: 'card-1' }, 'default'],
    ]);
  });

  it('a form: labelled inputs with required flags, limits, regex and error messages; submit sends the inputs', () => {
    expect(replyContractProblems(form)).toEqual([]);
    const { card } = cardOfActivity(form);
    expectSchema15(card);
    const inputs = cardElements(card).filter((e) => e.type.startsWith('Input.'));
    expect(inputs[0]).toMatchObject({
      type: 'Input.Text',
      id: 'title',
      label: '标题',
      isRequired: true,
      maxLength: 120,
      errorMessage: '请填写标题',
    });
    expect(inputs[1]).toMatchObject({
      id: 'phone',
      isRequired: false,
      regex: '^\\+?\\d{6,15}$',
      errorMessage: '电话格式不对',
    });
    expect(inputs[2]).toMatchObject({ id: 'description', isMultiline: true, maxLength: 5000 });
    expect(inputs[3]).toMatchObject({
      type: 'Input.ChoiceSet',
      id: 'priority',
      value: 'normal',
      isRequired: true,
      style: 'expanded',
      choices: [
        { title: '紧急', value: 'urgent' },
        { title: '高', value: 'high' },
        { title: '普通', value: 'normal' },
        { title: '低', value: 'low' },
      ],
    });
    // The submit validates and sends the inputs; cancel must work on an empty form.
    expect(card.actions).toEqual([
      expect.objectContaining({
        title: '下一步',
        associatedInputs: 'auto',
        data: { action: 'ticket_form', form: 'new_ticket', [CARD_ID_KEY]: 'card-1' },
      }),
      expect.objectContaining({
        title: '取消',
        associatedInputs: 'none',
        data: { action: 'cancel', [CARD_ID_KEY]: 'card-1' },
      }),
    ]);
  });

  it('a rating: Input.Rating is not in 1.5, so 1-5 stars as an expanded choice set; the star buttons are left out', () => {
    const { card } = cardOfActivity(rating);
    expectSchema15(card);
    const stars = cardElements(card).find((e) => e.id === 'stars')!;
    expect(stars).toMatchObject({
      type: 'Input.ChoiceSet',
      style: 'expanded',
      isRequired: true,
      label: '评分',
    });
    expect(stars.choices.map((c: CardJson) => c.value)).toEqual(['1', '2', '3', '4', '5']);
    expect(stars.choices[3].title).toBe('★★★★☆ 4');
    expect(card.actions.map((a: CardJson) => a.title)).toEqual(['提交评价', '取消']);
  });

  it('a list page: rows open their ticket, paging buttons carry the cursor; an empty page says so', () => {
    const { card } = cardOfActivity(list(3));
    expectSchema15(card);
    const rows = cardElements(card).filter((e) => e.type === 'Container' && e.selectAction);
    expect(rows).toHaveLength(3);
    expect(rows[0]!.selectAction.data).toMatchObject({ action: 'open_ticket', [CARD_ID_KEY]: 'card-1' });
    const next = cardElements(card).find((e) => e.type === 'Action.Submit' && e.title === '下一页')!;
    expect(next.data).toMatchObject({ action: 'list', page: 3, cursor: 'x'.repeat(200) });
    const empty = cardOfActivity({ ...(list(0) as Extract<Reply, { kind: 'list' }>) }).card;
    expect(cardElements(empty).some((e) => e.text === '没有工单')).toBe(true);
  });

  it('figures: each figure drills down to its list', () => {
    const reply: Reply = {
      kind: 'figures',
      title: '首页',
      figures: [
        {
          label: '待受理',
          count: 3,
          open: { label: '待受理', value: { action: 'list', scope: 'all', status: 'waiting' } },
        },
        {
          label: '处理中',
          count: 1,
          open: { label: '处理中', value: { action: 'list', scope: 'all', status: 'in_progress' } },
        },
      ],
      actions: [{ label: '新建工单', value: { action: 'new_ticket' }, style: 'primary' }],
    };
    const { card } = cardOfActivity(reply);
    expectSchema15(card);
    const rows = cardElements(card).filter((e) => e.type === 'ColumnSet');
    expect(rows.map((r) => [r.columns[1].items[0].text, r.selectAction.data.status])).toEqual([
      ['3', 'waiting'],
      ['1', 'in_progress'],
    ]);
    expect(card.actions[0]).toMatchObject({ title: '新建工单', style: 'positive' });
  });

  it('the largest cards stay well under the 28 KB Teams accepts', () => {
    const sizes = {
      ticket: cardOfActivity(hugeTicket()).activity,
      list: cardOfActivity(list(10, 120)).activity,
      form: cardOfActivity(form).activity,
      notification: {
        attachments: [
          {
            contentType: ADAPTIVE_CARD,
            content: notificationCard({
              key: 'k',
              locale: 'zh-CN',
              title: cjk(500),
              text: cjk(10_000),
              hints: [cjk(1000), cjk(1000)],
              actions: [{ label: '评价', value: { action: 'rate', ticketId: 'x' } }],
              highlight: true,
              sms: { template: 'notice', params: {} },
            }),
          },
        ],
      },
    };
    for (const [name, activity] of Object.entries(sizes)) {
      const bytes = Buffer.byteLength(JSON.stringify(activity), 'utf8');
      expect({ name, ok: bytes < 16 * KB }).toEqual({ name, ok: true });
    }
    const ticket = cardOfActivity(hugeTicket()).card;
    expectSchema15(ticket);
    // Long texts are cut visibly, and the most recent timeline entries are the ones shown.
    expect(cardElements(ticket).some((e) => typeof e.text === 'string' && e.text.endsWith('…'))).toBe(true);
  });

  it('plain text stays a text message; a link becomes an Open URL button with its expiry', () => {
    const text = renderTeamsActivity(toActivity({ kind: 'text', text: '好的' }, 'zh-CN'));
    expect(text).toMatchObject({ type: 'message', text: '好的' });
    expect(text.attachments).toBeUndefined();
    const { card } = cardOfActivity({
      kind: 'link',
      text: '请在网页上登录',
      url: 'https://help.example.com/auth/sign-in?token=abc',
      label: '打开登录页',
      expiresInSeconds: 600,
    });
    expect(card.actions).toEqual([
      expect.objectContaining({
        type: 'Action.OpenUrl',
        url: 'https://help.example.com/auth/sign-in?token=abc',
      }),
    ]);
    expect(cardElements(card).some((e) => String(e.text).includes('10'))).toBe(true);
  });

  it('a used card keeps its headline and what was pressed, with no button or input left', () => {
    const model = usedCardModel(form, 'zh-CN');
    const used = renderUsedCard(model.headline, model.choices[0]!.label);
    expectSchema15(used as CardJson);
    expect(cardElements(used as CardJson).map((e) => e.type)).toEqual([
      'AdaptiveCard',
      'TextBlock',
      'TextBlock',
    ]);
    expect(JSON.stringify(used)).toContain('✓ 下一步');
    expect(renderReplyCard({ kind: 'text', text: 'x' }, 'zh-CN')).toBeUndefined();
  });
});
