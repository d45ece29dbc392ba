import { RendererRegistry } from '../../bot/render';
import { replyContractProblems } from '../../bot/render/contract';
import { renderReply, renderWebActivity, safeUrl, webRenderer } from '../../bot/render/web';
import { listValue, signedInActions } from '../../dialogs/home';
import type { Reply } from '../../dialogs/replies';
import { toActivity } from '../../dialogs/say';

const ticketReply: Reply = {
  kind: 'ticket',
  ticket: {
    id: 't1',
    number: 'T20260101-0001',
    title: '打印机坏了',
    status: 'waiting',
    statusLabel: '待受理',
    facts: [{ label: '优先级', value: '高' }],
    description: '无法打印',
    timeline: [{ at: '2026/01/01 09:00', text: '已提交' }],
  },
  actions: [
    { label: '排队位置', value: { action: 'queue', ticketId: 't1' }, synonyms: ['1', 'queue'] },
    { label: '取消工单', value: { action: 'cancel_ticket', ticketId: 't1' }, style: 'danger' },
  ],
};

const listReply: Reply = {
  kind: 'list',
  title: 'My tickets',
  pageLabel: 'Page 2 (6-10)',
  items: [
    {
      id: 't1',
      title: 'Printer',
      subtitle: 'Waiting · today',
      open: { action: 'open_ticket', ticketId: 't1' },
    },
  ],
  navigation: [
    { label: 'Previous', value: listValue({ scope: 'mine' }) },
    { label: 'Next', value: listValue({ scope: 'mine', cursor: 'c3', page: 3 }), style: 'primary' },
  ],
  actions: [{ label: 'Filter', value: { action: 'pick_filter' } }],
  emptyText: 'No tickets',
};

const formReply: Reply = {
  kind: 'form',
  formId: 'rate',
  title: 'Rate',
  fields: [
    { id: 'stars', kind: 'rating', label: 'Stars', required: true, max: 5, errorMessage: 'Pick 1-5' },
    {
      id: 'comment',
      kind: 'textarea',
      label: 'Comment',
      required: false,
      maxLength: 500,
      errorMessage: 'Too long',
    },
    {
      id: 'channel',
      kind: 'choice',
      label: 'Reply by',
      required: true,
      options: [{ label: 'SMS', value: 'sms' }],
      errorMessage: 'Pick one',
    },
  ],
  submit: { label: 'Submit', value: { action: 'submit_form', form: 'rate' }, style: 'primary' },
  secondary: [{ label: 'Cancel', value: { action: 'cancel' } }],
};

describe('web renderer', () => {
  it('renders a ticket card with its facts, timeline and action buttons (ids and styles kept)', () => {
    expect(renderReply(ticketReply)).toEqual([
      {
        kind: 'ticket',
        number: 'T20260101-0001',
        title: '打印机坏了',
        status: 'waiting',
        statusLabel: '待受理',
        facts: [{ label: '优先级', value: '高' }],
        description: '无法打印',
        resolution: null,
        timeline: [{ at: '2026/01/01 09:00', text: '已提交' }],
        actions: [
          { label: '排队位置', value: { action: 'queue', ticketId: 't1' }, style: 'default' },
          { label: '取消工单', value: { action: 'cancel_ticket', ticketId: 't1' }, style: 'danger' },
        ],
      },
    ]);
  });

  it('renders a list page: items open by id, navigation carries the cursor', () => {
    const [block] = renderReply(listReply);
    expect(block).toMatchObject({
      kind: 'list',
      pageLabel: 'Page 2 (6-10)',
      items: [{ id: 't1', title: 'Printer', open: { value: { action: 'open_ticket', ticketId: 't1' } } }],
      navigation: [
        { label: 'Previous', value: { action: 'list', scope: 'mine' } },
        { label: 'Next', value: { action: 'list', scope: 'mine', cursor: 'c3', page: 3 }, style: 'primary' },
      ],
    });
  });

  it('renders forms with every field kind, required flags and messages', () => {
    const [block] = renderReply(formReply);
    expect(block).toMatchObject({
      kind: 'form',
      formId: 'rate',
      fields: [
        { id: 'stars', kind: 'rating', required: true, max: 5, errorMessage: 'Pick 1-5' },
        { id: 'comment', kind: 'textarea', required: false, maxLength: 500 },
        { id: 'channel', kind: 'choice', options: [{ label: 'SMS', value: 'sms' }] },
      ],
      submit: { value: { action: 'submit_form', form: 'rate' } },
      secondary: [{ label: 'Cancel' }],
    });
  });

  it('renders figures, links with their lifetime and images', () => {
    expect(
      renderReply({
        kind: 'figures',
        title: 'Home',
        figures: [
          {
            label: 'Waiting',
            count: 2,
            open: { label: 'Waiting', value: listValue({ scope: 'all', status: 'waiting' }) },
          },
        ],
        actions: [],
      }),
    ).toEqual([
      {
        kind: 'figures',
        title: 'Home',
        figures: [
          {
            label: 'Waiting',
            count: 2,
            open: {
              label: 'Waiting',
              value: { action: 'list', scope: 'all', status: 'waiting' },
              style: 'default',
            },
          },
        ],
        actions: [],
      },
    ]);
    expect(
      renderReply({
        kind: 'link',
        text: 'Sign in here',
        url: 'https://x.test/auth/sign-in?token=a',
        label: 'Sign in',
        expiresInSeconds: 600,
      }),
    ).toEqual([
      {
        kind: 'link',
        text: 'Sign in here',
        url: 'https://x.test/auth/sign-in?token=a',
        label: 'Sign in',
        expiresInMinutes: 10,
      },
    ]);
    expect(renderReply({ kind: 'image', url: '/files/abc', alt: 'avatar' })).toEqual([
      { kind: 'image', url: '/files/abc', alt: 'avatar' },
    ]);
  });

  it('never lets a javascript: or data: URL through', () => {
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,<b>')).toBeNull();
    expect(safeUrl('//evil.test/x')).toBeNull();
    expect(safeUrl('/files/a')).toBe('/files/a');
    expect(renderReply({ kind: 'link', text: 'click', url: 'javascript:alert(1)', label: 'x' })).toEqual([
      { kind: 'text', text: 'click' },
    ]);
    expect(renderReply({ kind: 'image', url: 'javascript:x', alt: 'pic' })).toEqual([
      { kind: 'text', text: 'pic' },
    ]);
  });

  it('renders a whole activity: reply, plain text, image attachments, suggested actions, updates and deletes', () => {
    const fromReply = renderWebActivity({ ...toActivity(ticketReply, 'zh-CN'), id: 'a1' });
    expect(fromReply).toMatchObject({ op: 'add', id: 'a1', locale: 'zh-CN', blocks: [{ kind: 'ticket' }] });
    expect(fromReply.text).toContain('T20260101-0001');

    const plain = renderWebActivity({
      type: 'message',
      text: 'hello',
      attachments: [
        { contentType: 'image/png', contentUrl: 'https://x.test/a.png', name: 'a.png' },
        { contentType: 'application/pdf', contentUrl: 'https://x.test/a.pdf', name: 'a.pdf' },
        { contentType: 'image/png', contentUrl: 'javascript:bad', name: 'bad' },
      ],
      suggestedActions: { to: [], actions: [{ type: 'imBack', title: 'Yes', value: 'yes' }] },
    });
    expect(plain.blocks).toEqual([
      { kind: 'text', text: 'hello' },
      { kind: 'image', url: 'https://x.test/a.png', alt: 'a.png' },
      { kind: 'file', url: 'https://x.test/a.pdf', name: 'a.pdf' },
      { kind: 'buttons', text: '', buttons: [{ label: 'Yes', value: null, text: 'yes', style: 'default' }] },
    ]);

    expect(
      renderWebActivity({ type: 'message', id: 'a1', text: 'x', channelData: { webchat: { op: 'update' } } })
        .op,
    ).toBe('update');
    expect(renderWebActivity({ type: 'messageDelete', id: 'a1' })).toMatchObject({
      op: 'delete',
      id: 'a1',
      blocks: [],
    });
  });

  it('is found in the renderer registry by channel id', () => {
    const registry = new RendererRegistry().register(webRenderer);
    expect(registry.get('web')).toBe(webRenderer);
    expect(registry.get('msteams')).toBeUndefined();
    const passthrough = { type: 'message', text: 'x' };
    expect(registry.render('msteams', passthrough)).toBe(passthrough);
  });
});

describe('reply contract (what Teams and WeCom renderers need)', () => {
  it('accepts well-formed replies, including the dialogs own menu and paging values', () => {
    expect(replyContractProblems(ticketReply)).toEqual([]);
    expect(replyContractProblems(listReply)).toEqual([]);
    expect(replyContractProblems(formReply)).toEqual([]);
    for (const locale of ['zh-CN', 'en-US']) {
      expect(
        replyContractProblems({ kind: 'choices', text: 'Menu', choices: signedInActions(locale) }),
      ).toEqual([]);
    }
  });

  it('every dialog menu choice carries an action id, a short label and typed synonyms', () => {
    for (const locale of ['zh-CN', 'en-US']) {
      for (const c of signedInActions(locale)) {
        expect(typeof c.value.action).toBe('string');
        expect([...c.label].length).toBeLessThanOrEqual(20);
        expect(c.synonyms?.length ?? 0).toBeGreaterThan(0);
      }
    }
  });

  it('finds missing ids, long labels, nested values, duplicate values, lost cursors and bad forms', () => {
    const problems = replyContractProblems({
      kind: 'list',
      title: 'x',
      pageLabel: '',
      items: [{ id: '', title: 'a', subtitle: '', open: { action: '' } }],
      navigation: [{ label: 'Next', value: { action: 'list', page: 3 } }],
      actions: [
        { label: 'This label is far too long for a button', value: { action: 'a' } },
        { label: 'Same', value: { action: 'a' } },
        { label: 'Nested', value: { action: 'b', x: { y: 1 } as unknown as string } },
      ],
      emptyText: '',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('page 3 without its cursor'),
        expect.stringContaining('longer than 20'),
        expect.stringContaining('same value'),
        expect.stringContaining('not a plain'),
        'list.items: item without id',
        expect.stringContaining('without an action id'),
      ]),
    );
    expect(
      replyContractProblems({
        kind: 'form',
        formId: 'f',
        title: 't',
        fields: [
          { id: 'a', kind: 'text', label: 'A', required: true, maxLength: 0, errorMessage: '' },
          { id: 'a', kind: 'choice', label: 'B', required: true, options: [], errorMessage: 'x' },
        ],
        submit: { label: 'Go', value: { action: 'submit', form: 'other' } },
      }),
    ).toEqual(
      expect.arrayContaining([
        'form: duplicate field ids',
        'form field "a": no validation message',
        'form field "a": no options',
        'form field "a": no maxLength',
        'form: submit value names another form',
      ]),
    );
  });
});
