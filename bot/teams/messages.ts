import { type CatalogPair, registerCatalog } from '../../i18n';

/** What the Teams channel itself says: used cards, and the staff alert buttons (S2). */
export const teamsMessages: CatalogPair = {
  'zh-CN': {
    'teams.card_used': '这张卡片已经处理过了，请使用最新消息中的按钮。',
    'teams.staff_unknown':
      '抱歉，您还不在客服人员名录中，无法在这里处理工单。请联系管理员在员工目录中登记您的 Teams 账号。',
    'teams.staff_inactive': '抱歉，您的客服账号已停用，无法处理工单。',
    'teams.staff_accepted': '您已受理工单 {number}。',
    'teams.staff_accepted_by': '已由 {name} 受理',
    'teams.staff_failed': '无法处理工单 {number}：{reason}',
    'teams.staff_accept': '受理',
    'teams.staff_open': '查看',
    'teams.staff_queue': '队列',
    'teams.staff_org': '组织',
    'teams.staff_submitter': '提交人',
  },
  'en-US': {
    'teams.card_used': 'This card was already used. Please use the buttons on the latest message.',
    'teams.staff_unknown':
      'Sorry, you are not in the staff directory, so you cannot act on tickets here. Please ask an administrator to add your Teams account to the staff directory.',
    'teams.staff_inactive': 'Sorry, your staff account is deactivated, so you cannot act on tickets.',
    'teams.staff_accepted': 'You accepted ticket {number}.',
    'teams.staff_accepted_by': 'Accepted by {name}',
    'teams.staff_failed': 'Could not act on ticket {number}: {reason}',
    'teams.staff_accept': 'Accept',
    'teams.staff_open': 'Open',
    'teams.staff_queue': 'Queue',
    'teams.staff_org': 'Organization',
    'teams.staff_submitter': 'Submitted by',
  },
};

registerCatalog('teams', teamsMessages);
