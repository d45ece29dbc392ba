import { randomUUID } from 'node:crypto';
import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t } from '../i18n';
import { type CustomerActor, PRIORITIES, type Priority, type ReplyChannel } from '../services/contracts';
import { isDomainError } from '../services/errors';
import { actorFor } from './actor';
import type { AskOptions, AskResult } from './ask';
import { choice } from './choices';
import { errorMessage } from './errors';
import { type DialogDeps, Flow, type FlowState } from './flow';
import type { ChatFile } from './input';
import { IDS } from './main';
import { categoryLabel, priorityLabel, replyChannelLabel, submittedMessage } from './models';
import type { ActionValue, Choice, Reply } from './replies';

export const TITLE_MAX = 120;
export const DESCRIPTION_MAX = 5000;

type Stage = 'title' | 'description' | 'category' | 'priority' | 'attachments' | 'reply_channel' | 'confirm';
const FIELD_STAGES: Stage[] = ['title', 'description', 'category', 'priority'];

export interface NewTicketState extends FlowState {
  /**
   * This flow's own key (made when it starts, kept in its state): the ticket it files carries it, so a
   * turn replayed after a crash finds that ticket instead of filing a second one.
   */
  key?: string;
  /** The draft behind this dialog, once there is one (resumed, attachments added, saved). */
  draftId?: string;
  loaded?: boolean;
  fields: {
    title?: string;
    description?: string;
    category?: string;
    priority?: Priority;
    replyChannel?: ReplyChannel;
  };
  attachments?: string[];
  attachmentsDone?: boolean;
  /** A field the user chose to change from the summary. */
  stage?: Stage;
}

const PRIORITY_WORDS: Record<Priority, string[]> = {
  urgent: ['urgent', 'critical', '紧急', '非常紧急', '加急'],
  high: ['high', '高', '较高', '重要'],
  normal: ['normal', 'medium', '普通', '一般', '中'],
  low: ['low', '低', '不急'],
};

/**
 * F5: a new ticket, step by step (title, description, category, priority, attachments, reply channel,
 * summary, submit), or all fields at once from a form card. Any step can save a draft; a draft
 * resumes here with its fields filled in and lands on the summary.
 */
export class NewTicketFlow extends Flow<NewTicketState> {
  constructor(deps: DialogDeps) {
    super(IDS.newTicket, deps);
  }

  private stageOf(state: NewTicketState): Stage {
    if (state.stage) return state.stage;
    const f = state.fields;
    if (!f.title) return 'title';
    if (!f.description) return 'description';
    if (!f.category) return 'category';
    if (!f.priority) return 'priority';
    if (!state.attachmentsDone) return 'attachments';
    if (!f.replyChannel) return 'reply_channel';
    return 'confirm';
  }

  private common(locale: string): Choice[] {
    return [
      choice(t(locale, 'ticket.save_draft'), { action: 'save_draft' }, { keywords: ['saveDraft'] }),
      choice(t(locale, 'common.cancel'), { action: 'cancel' }, { keywords: ['cancel'] }),
    ];
  }

  private categoryChoices(locale: string): Choice[] {
    return this.deps.config.TICKET_CATEGORIES.map((c) =>
      choice(
        categoryLabel(locale, c),
        { action: 'category', category: c },
        {
          synonyms: [c, categoryLabel('zh-CN', c), categoryLabel('en-US', c)],
        },
      ),
    );
  }

  private priorityChoices(locale: string): Choice[] {
    return PRIORITIES.map((p) =>
      choice(
        priorityLabel(locale, p),
        { action: 'priority', priority: p },
        {
          synonyms: [...PRIORITY_WORDS[p], priorityLabel('zh-CN', p), priorityLabel('en-US', p)],
          style: p === 'urgent' ? 'danger' : 'default',
        },
      ),
    );
  }

  protected async ask(
    step: WaterfallStepContext<NewTicketState>,
    state: NewTicketState,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const actor = await actorFor(this.deps, step.context);
    state.key ??= randomUUID();
    if (state.draftId && !state.loaded) {
      const draft = await this.deps.services.tickets.get(actor, state.draftId);
      if (draft.status !== 'draft') {
        await this.say(step.context, t(locale, 'ticket.not_a_draft'));
        return step.endDialog();
      }
      state.draftId = draft.id;
      state.fields = {
        title: draft.title || undefined,
        description: draft.description || undefined,
        category: draft.category ?? undefined,
        priority: draft.priority ?? undefined,
        replyChannel: draft.replyChannel ?? undefined,
      };
      state.attachments = draft.attachments.map((a) => a.name);
      state.attachmentsDone = true;
      state.loaded = true;
      state.notice = t(locale, 'ticket.draft_resumed');
      await this.say(step.context, state.notice);
      delete state.notice;
    }
    return this.prompt(step, await this.question(step, state, actor));
  }

  private async question(
    step: WaterfallStepContext<NewTicketState>,
    state: NewTicketState,
    actor: CustomerActor,
  ): Promise<AskOptions> {
    const { locale } = this.info(step.context);
    const common = this.common(locale);
    const stage = this.stageOf(state);
    const ask = (text: string, choices: Choice[]): Reply => ({ kind: 'choices', text, choices });
    switch (stage) {
      case 'title': {
        const fresh = !state.draftId && Object.keys(state.fields).length === 0;
        const text = t(locale, 'ticket.ask_title', { max: TITLE_MAX });
        const reply: Reply = fresh ? this.form(locale, text) : ask(text, common);
        return {
          reply,
          text: { maxLength: TITLE_MAX, tooLong: t(locale, 'ticket.title_too_long', { max: TITLE_MAX }) },
          retry: t(locale, 'ticket.title_required'),
        };
      }
      case 'description':
        return {
          reply: ask(t(locale, 'ticket.ask_description'), common),
          text: {
            maxLength: DESCRIPTION_MAX,
            tooLong: t(locale, 'ticket.description_too_long', { max: DESCRIPTION_MAX }),
          },
          retry: t(locale, 'ticket.description_required'),
        };
      case 'category':
        return {
          reply: ask(t(locale, 'ticket.ask_category'), [...this.categoryChoices(locale), ...common]),
          retry: t(locale, 'ticket.category_invalid'),
        };
      case 'priority':
        return {
          reply: ask(t(locale, 'ticket.ask_priority'), [...this.priorityChoices(locale), ...common]),
          retry: t(locale, 'ticket.priority_invalid'),
        };
      case 'attachments': {
        const count = state.attachments?.length ?? 0;
        const doneLabel =
          count > 0 ? t(locale, 'ticket.attachments_done') : t(locale, 'ticket.attachments_skip');
        return {
          reply: ask(
            count > 0
              ? t(locale, 'ticket.ask_more_attachments', { count })
              : t(locale, 'ticket.ask_attachments'),
            [
              choice(
                doneLabel,
                { action: 'attachments_done' },
                { keywords: ['done', 'skip'], style: 'primary' },
              ),
              ...common,
            ],
          ),
          files: true,
          retry: t(locale, 'ticket.attachments_retry'),
        };
      }
      case 'reply_channel':
        return {
          reply: ask(t(locale, 'ticket.ask_reply_channel'), [
            ...(await this.replyChannelChoices(step, actor)),
            ...common,
          ]),
          retry: t(locale, 'common.pick_number'),
        };
      case 'confirm':
        await this.say(step.context, t(locale, 'ticket.confirm_intro'));
        return { reply: this.summary(step, state), retry: t(locale, 'common.pick_number') };
    }
  }

  /** The whole ticket as one form, for channels with cards; typed text answers the title. */
  private form(locale: string, title: string): Reply {
    const options = (choices: Choice[], key: string) =>
      choices.map((c) => ({ label: c.label, value: String(c.value[key]) }));
    return {
      kind: 'form',
      formId: 'new_ticket',
      title,
      fields: [
        {
          id: 'title',
          kind: 'text',
          label: t(locale, 'card.title'),
          required: true,
          maxLength: TITLE_MAX,
          errorMessage: t(locale, 'ticket.title_required'),
        },
        {
          id: 'description',
          kind: 'textarea',
          label: t(locale, 'card.description'),
          required: true,
          maxLength: DESCRIPTION_MAX,
          errorMessage: t(locale, 'ticket.description_required'),
        },
        {
          id: 'category',
          kind: 'choice',
          label: t(locale, 'card.category'),
          required: true,
          options: options(this.categoryChoices(locale), 'category'),
          errorMessage: t(locale, 'ticket.category_invalid'),
        },
        {
          id: 'priority',
          kind: 'choice',
          label: t(locale, 'card.priority'),
          required: true,
          options: options(this.priorityChoices(locale), 'priority'),
          value: 'normal',
          errorMessage: t(locale, 'ticket.priority_invalid'),
        },
      ],
      submit: choice(
        t(locale, 'ticket.form_next'),
        { action: 'ticket_form', form: 'new_ticket' },
        { style: 'primary' },
      ),
      secondary: [choice(t(locale, 'common.cancel'), { action: 'cancel' }, { keywords: ['cancel'] })],
    };
  }

  private async replyChannelChoices(
    step: WaterfallStepContext<NewTicketState>,
    actor: CustomerActor,
  ): Promise<Choice[]> {
    const { locale, channel, chatUserId } = this.info(step.context);
    const [account, bindings] = await Promise.all([
      this.deps.services.accounts.get(actor.accountId),
      this.deps.services.bindings.listForAccount(actor.accountId),
    ]);
    const value = (rc: ReplyChannel): ActionValue => ({ action: 'reply_channel', ...rc });
    const choices = [
      choice(t(locale, 'reply_channel.this_chat_default'), value({ kind: 'chat', channel, chatUserId }), {
        synonyms: ['this chat', '本聊天', '这里', 'here', 'default', '默认'],
        style: 'primary',
      }),
    ];
    for (const b of bindings) {
      if (b.channel === channel && b.chatUserId === chatUserId) continue;
      if (b.accountId !== actor.accountId || !b.reachable) continue;
      choices.push(
        choice(
          replyChannelLabel(locale, { kind: 'chat', channel: b.channel, chatUserId: b.chatUserId }),
          value({ kind: 'chat', channel: b.channel, chatUserId: b.chatUserId }),
          {
            synonyms: [b.channel, t(locale, `channel.${b.channel}`)],
          },
        ),
      );
    }
    if (account.phone) {
      choices.push(
        choice(t(locale, 'reply_channel.sms_to', { phone: mask(account.phone) }), value({ kind: 'sms' }), {
          synonyms: ['sms', '短信', 'text message'],
        }),
      );
    }
    if (account.email) {
      choices.push(
        choice(
          t(locale, 'reply_channel.email_to', { email: mask(account.email) }),
          value({ kind: 'email' }),
          { synonyms: ['email', 'mail', '邮件', '邮箱'] },
        ),
      );
    }
    return choices;
  }

  private summary(step: WaterfallStepContext<NewTicketState>, state: NewTicketState): Reply {
    const { locale, channel, chatUserId } = this.info(step.context);
    const f = state.fields;
    const facts = [
      { label: t(locale, 'card.priority'), value: f.priority ? priorityLabel(locale, f.priority) : '' },
      { label: t(locale, 'card.category'), value: f.category ? categoryLabel(locale, f.category) : '' },
      {
        label: t(locale, 'card.reply_channel'),
        value: replyChannelLabel(locale, f.replyChannel ?? null, { channel, chatUserId }),
      },
      {
        label: t(locale, 'card.attachments'),
        value: state.attachments?.length ? state.attachments.join(', ') : t(locale, 'card.none'),
      },
    ];
    const edit = (field: Stage, key: string, synonyms: string[]) =>
      choice(t(locale, key), { action: 'edit_field', field }, { synonyms });
    return {
      kind: 'ticket',
      ticket: {
        id: state.draftId ?? 'new',
        number: null,
        title: f.title ?? '',
        status: 'draft',
        statusLabel: t(locale, 'ticket.summary_status'),
        facts,
        description: f.description ?? '',
        timeline: [],
      },
      actions: [
        choice(
          t(locale, 'ticket.submit'),
          { action: 'submit' },
          { keywords: ['submit', 'yes'], style: 'primary' },
        ),
        choice(t(locale, 'ticket.save_draft'), { action: 'save_draft' }, { keywords: ['saveDraft'] }),
        edit('title', 'ticket.edit_title', ['edit title', '修改标题', '标题']),
        edit('description', 'ticket.edit_description', ['edit description', '修改描述', '描述']),
        edit('category', 'ticket.edit_category', ['edit category', '修改分类', '分类']),
        edit('priority', 'ticket.edit_priority', ['edit priority', '修改优先级', '优先级']),
        edit('attachments', 'ticket.edit_attachments', ['attachments', 'add attachment', '附件', '添加附件']),
        edit('reply_channel', 'ticket.edit_reply_channel', ['reply channel', '回复方式', '修改回复方式']),
        choice(t(locale, 'common.cancel'), { action: 'cancel' }, { keywords: ['cancel'], style: 'danger' }),
      ],
    };
  }

  protected async answer(
    step: WaterfallStepContext<NewTicketState>,
    state: NewTicketState,
    result: AskResult,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const stage = this.stageOf(state);
    const f = state.fields;
    if (result.kind === 'text') {
      if (stage === 'title') f.title = result.text.trim();
      else if (stage === 'description') f.description = result.text.trim();
      delete state.stage;
      return this.loop(step);
    }
    if (result.kind === 'files') return this.addFiles(step, state, result.files);
    if (result.kind !== 'choice') return this.loop(step);
    const value = result.value;
    switch (value.action) {
      case 'cancel':
        await this.say(
          step.context,
          t(locale, state.draftId ? 'ticket.cancelled_draft_kept' : 'common.cancelled'),
        );
        return step.endDialog();
      case 'save_draft':
        return this.saveDraft(step, state);
      case 'ticket_form':
        this.takeForm(state, value, locale);
        return this.loop(step);
      case 'category':
        f.category = String(value.category);
        break;
      case 'priority':
        f.priority = value.priority as Priority;
        break;
      case 'attachments_done':
        state.attachmentsDone = true;
        break;
      case 'reply_channel':
        f.replyChannel =
          value.kind === 'chat'
            ? { kind: 'chat', channel: value.channel as 'web', chatUserId: String(value.chatUserId) }
            : { kind: value.kind === 'sms' ? 'sms' : 'email' };
        break;
      case 'edit_field': {
        const field = value.field as Stage;
        if (field === 'attachments') state.attachmentsDone = false;
        state.stage = field;
        return this.loop(step);
      }
      case 'submit':
        return this.submit(step, state);
    }
    delete state.stage;
    return this.loop(step);
  }

  /** A form card: keeps each valid field, and says what is wrong with the first invalid one. */
  private takeForm(state: NewTicketState, value: ActionValue, locale: string): void {
    const f = state.fields;
    const text = (key: string) => (typeof value[key] === 'string' ? String(value[key]).trim() : '');
    const problems: string[] = [];
    const title = text('title');
    if (title === '') problems.push(t(locale, 'ticket.title_required'));
    else if ([...title].length > TITLE_MAX)
      problems.push(t(locale, 'ticket.title_too_long', { max: TITLE_MAX }));
    else f.title = title;
    const description = text('description');
    if (description === '') problems.push(t(locale, 'ticket.description_required'));
    else if ([...description].length > DESCRIPTION_MAX)
      problems.push(t(locale, 'ticket.description_too_long', { max: DESCRIPTION_MAX }));
    else f.description = description;
    const category = text('category');
    if (this.deps.config.TICKET_CATEGORIES.includes(category)) f.category = category;
    else problems.push(t(locale, 'ticket.category_invalid'));
    const priority = text('priority') as Priority;
    if (PRIORITIES.includes(priority)) f.priority = priority;
    else problems.push(t(locale, 'ticket.priority_invalid'));
    delete state.stage;
    if (problems.length > 0) state.notice = problems.join('\n');
  }

  private async ensureDraft(
    step: WaterfallStepContext<NewTicketState>,
    state: NewTicketState,
  ): Promise<string> {
    const actor = await actorFor(this.deps, step.context);
    const tickets = this.deps.services.tickets;
    const fields = Object.fromEntries(
      Object.entries(state.fields).filter(([, v]) => v !== undefined && v !== ''),
    );
    state.key ??= randomUUID();
    const clientKey = state.key;
    if (state.draftId) await tickets.updateDraft(actor, state.draftId, fields, { clientKey });
    else {
      state.draftId = (await tickets.createDraft(actor, fields, { clientKey })).id;
      state.loaded = true;
    }
    return state.draftId;
  }

  private async addFiles(
    step: WaterfallStepContext<NewTicketState>,
    state: NewTicketState,
    files: ChatFile[],
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    try {
      const ticketId = await this.ensureDraft(step, state);
      const actor = await actorFor(this.deps, step.context);
      for (const file of files) {
        const added = await this.deps.services.tickets.addAttachment(actor, ticketId, file);
        state.attachments = [...(state.attachments ?? []), added.name];
      }
      state.notice = t(locale, 'ticket.attachments_added', {
        names: files.map((f) => f.name).join(', '),
        count: state.attachments?.length ?? 0,
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      state.notice = errorMessage(locale, error);
    }
    return this.loop(step);
  }

  private async saveDraft(
    step: WaterfallStepContext<NewTicketState>,
    state: NewTicketState,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    try {
      await this.ensureDraft(step, state);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      state.notice = errorMessage(locale, error);
      return this.loop(step);
    }
    await this.say(
      step.context,
      t(locale, 'ticket.draft_saved', { title: state.fields.title || t(locale, 'card.untitled') }),
    );
    return step.endDialog();
  }

  private async submit(
    step: WaterfallStepContext<NewTicketState>,
    state: NewTicketState,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    try {
      const ticketId = await this.ensureDraft(step, state);
      const actor = await actorFor(this.deps, step.context);
      const { ticket, position } = await this.deps.services.tickets.submit(actor, ticketId, {
        clientKey: state.key,
      });
      await this.say(step.context, submittedMessage(locale, ticket, position));
      return step.endDialog();
    } catch (error) {
      if (!isDomainError(error)) throw error;
      state.notice = errorMessage(locale, error);
      const field = String(error.details.field ?? '');
      const stage = (
        {
          title: 'title',
          description: 'description',
          category: 'category',
          priority: 'priority',
          replyChannel: 'reply_channel',
        } as Record<string, Stage>
      )[field];
      if (stage) {
        state.stage = stage;
        if (stage === 'reply_channel') delete state.fields.replyChannel;
      }
      return this.loop(step);
    }
  }
}

/** 13812345678 -> 138****5678; alice@example.com -> a***@example.com (shown in chat history). */
export function mask(value: string): string {
  if (value.includes('@')) {
    const [user = '', domain = ''] = value.split('@');
    return `${user.slice(0, 1)}***@${domain}`;
  }
  const local = value.replace(/^\+86/, '');
  return local.length > 7 ? `${local.slice(0, 3)}****${local.slice(-4)}` : local;
}

export { FIELD_STAGES };
