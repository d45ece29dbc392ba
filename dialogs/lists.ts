import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t } from '../i18n';
import type { ListScope, TicketStatus } from '../services/contracts';
import { isDomainError } from '../services/errors';
import { actorFor } from './actor';
import type { AskResult } from './ask';
import { choice } from './choices';
import { errorMessage } from './errors';
import { type DialogDeps, Flow, type FlowState } from './flow';
import { listValue } from './home';
import { IDS } from './main';
import { statusLabel, ticketListItem } from './models';
import type { Choice } from './replies';

export const PAGE_SIZE = 5;
const SCOPES: ListScope[] = ['mine', 'shared', 'all', 'drafts'];
const FILTER_STATUSES: TicketStatus[] = ['waiting', 'in_progress', 'resolved', 'closed', 'cancelled'];

export interface ListState extends FlowState {
  scope: ListScope;
  /** Comma-joined statuses, as in action values. */
  status?: string;
  resolvedSince?: string;
  cursor?: string;
  page: number;
  /** cursors[n] opens page n + 1 ('' for the first page), so "previous" works. */
  cursors?: string[];
  /** Choosing a status filter or another list, instead of the page. */
  picking?: 'status' | 'scope';
}

/** F6: ticket lists (mine, shared, all, drafts), five per page, newest first, with a status filter. */
export class ListFlow extends Flow<ListState> {
  constructor(deps: DialogDeps) {
    super(IDS.list, deps);
  }

  protected async ask(step: WaterfallStepContext<ListState>, state: ListState): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const actor = await actorFor(this.deps, step.context);
    if (state.picking === 'status') {
      return this.prompt(step, {
        reply: {
          kind: 'choices',
          text: t(locale, 'list.pick_status'),
          choices: [
            choice(
              t(locale, 'list.any_status'),
              { action: 'filter', status: '' },
              { synonyms: ['any', 'all statuses', '全部状态', '不限'] },
            ),
            ...FILTER_STATUSES.map((s) =>
              choice(
                statusLabel(locale, s),
                { action: 'filter', status: s },
                { synonyms: [s, statusLabel('zh-CN', s), statusLabel('en-US', s)] },
              ),
            ),
          ],
        },
        retry: t(locale, 'common.pick_number'),
      });
    }
    if (state.picking === 'scope') {
      return this.prompt(step, {
        reply: {
          kind: 'choices',
          text: t(locale, 'list.pick_scope'),
          choices: SCOPES.map((s) =>
            choice(
              t(locale, `list.scope.${s}`),
              { action: 'scope', scope: s },
              { synonyms: [s, t('zh-CN', `list.scope.${s}`), t('en-US', `list.scope.${s}`)] },
            ),
          ),
        },
        retry: t(locale, 'common.pick_number'),
      });
    }
    const statuses = state.status ? (state.status.split(',') as TicketStatus[]) : undefined;
    let page: Awaited<ReturnType<typeof this.deps.services.tickets.list>>;
    try {
      page = await this.deps.services.tickets.list(actor, {
        scope: state.scope,
        status: statuses,
        resolvedSince: state.resolvedSince,
        cursor: state.cursor || undefined,
        limit: PAGE_SIZE,
      });
    } catch (error) {
      if (!isDomainError(error, 'invalid_input')) throw error;
      await this.say(step.context, errorMessage(locale, error));
      // A stale cursor or filter (an old button): once, the plain first page of the list instead.
      // A plain list that still fails is not asked again in a loop: back to the menu.
      if (!state.cursor && !state.status && !state.resolvedSince) return step.endDialog();
      Object.assign(state, {
        cursor: undefined,
        status: undefined,
        resolvedSince: undefined,
        page: 1,
        cursors: [],
      });
      return this.loop(step);
    }
    const cursors = state.cursors ?? [];
    cursors[state.page - 1] = state.cursor ?? '';
    state.cursors = cursors;
    const base = { scope: state.scope, status: statuses, resolvedSince: state.resolvedSince };
    const navigation: Choice[] = [];
    if (state.page > 1 && cursors[state.page - 2] !== undefined) {
      navigation.push(
        choice(
          t(locale, 'list.previous'),
          listValue({ ...base, cursor: cursors[state.page - 2], page: state.page - 1 }),
          { keywords: ['previous'] },
        ),
      );
    }
    if (page.nextCursor) {
      navigation.push(
        choice(
          t(locale, 'list.next'),
          listValue({ ...base, cursor: page.nextCursor, page: state.page + 1 }),
          { keywords: ['next'], style: 'primary' },
        ),
      );
    }
    const filterLabel = statuses ? statuses.map((s) => statusLabel(locale, s)).join('/') : '';
    const title = [
      t(locale, `list.scope.${state.scope}`),
      filterLabel,
      state.resolvedSince ? t(locale, 'list.this_month') : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const first = (state.page - 1) * PAGE_SIZE + 1;
    return this.prompt(step, {
      reply: {
        kind: 'list',
        title,
        items: page.items.map((item) => ticketListItem(locale, item)),
        pageLabel:
          page.items.length > 0
            ? t(locale, 'list.page_label', {
                page: state.page,
                from: first,
                to: first + page.items.length - 1,
              })
            : '',
        navigation,
        actions: [
          choice(
            t(locale, 'list.filter'),
            { action: 'pick_filter' },
            { synonyms: ['filter', 'status', '筛选', '按状态筛选', '状态'] },
          ),
          choice(
            t(locale, 'list.other_lists'),
            { action: 'pick_scope' },
            { synonyms: ['other lists', 'lists', '其他列表', '切换列表'] },
          ),
          choice(t(locale, 'common.menu'), { action: 'menu' }, { keywords: ['menu'] }),
        ],
        emptyText: t(locale, state.scope === 'drafts' ? 'list.empty_drafts' : 'list.empty'),
      },
      text: { maxLength: 40, tooLong: t(locale, 'list.retry') },
      retry: t(locale, 'list.retry'),
    });
  }

  protected async answer(
    step: WaterfallStepContext<ListState>,
    state: ListState,
    result: AskResult,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    if (result.kind === 'text') {
      // A ticket number typed in a list opens it, whether or not it is on this page.
      const typed = result.text.trim();
      if (/^t\d{8}-\d{3,}$/i.test(typed))
        return step.beginDialog(IDS.details, { ticketId: typed.toUpperCase() });
      state.notice = t(locale, 'list.retry');
      return this.loop(step);
    }
    if (result.kind !== 'choice') return this.loop(step);
    const value = result.value;
    switch (value.action) {
      case 'open_ticket':
        return step.beginDialog(IDS.details, { ticketId: String(value.ticketId) });
      case 'list':
        state.scope = (value.scope as ListScope) ?? state.scope;
        state.status = value.status as string | undefined;
        state.resolvedSince = value.resolvedSince as string | undefined;
        state.cursor = value.cursor as string | undefined;
        state.page = Number(value.page ?? 1) || 1;
        break;
      case 'pick_filter':
        state.picking = 'status';
        return this.loop(step);
      case 'pick_scope':
        state.picking = 'scope';
        return this.loop(step);
      case 'filter':
        Object.assign(state, {
          status: value.status ? String(value.status) : undefined,
          cursor: undefined,
          page: 1,
          cursors: [],
        });
        break;
      case 'scope':
        Object.assign(state, {
          scope: value.scope as ListScope,
          status: undefined,
          resolvedSince: undefined,
          cursor: undefined,
          page: 1,
          cursors: [],
        });
        break;
      case 'menu':
        return step.endDialog({ next: { action: 'home' } });
    }
    delete state.picking;
    return this.loop(step);
  }
}
