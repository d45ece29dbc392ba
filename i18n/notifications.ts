import type { CatalogPair } from './types';

/**
 * Texts of the notifications the workers send (F1, F9, F10, F11, F13, S2), both locales, same keys.
 * Each customer message names the ticket number and title, says what changed and offers the next step.
 * Registered in i18n/index.ts; placeholders are `{name}`, filled by `t`.
 */
export const notifications: CatalogPair = {
  'zh-CN': {
    'notify.identity': '身份：{identity}',
    'notify.ticket.accepted.title': '工单 {number} 已受理',
    'notify.ticket.accepted.body': '您的工单 {number}「{title}」已由 {staff} 受理，正在处理中。',
    'notify.ticket.replied.title': '工单 {number} 有新回复',
    'notify.ticket.replied.body': '客服对您的工单 {number}「{title}」回复：\n{text}',
    'notify.ticket.resolved.title': '工单 {number} 已解决',
    'notify.ticket.resolved.body':
      '您的工单 {number}「{title}」已解决。\n处理回复：{resolution}\n请为本次服务评分；如问题仍未解决，可在 {days} 天内选择「未解决」重新打开。',
    'notify.ticket.closed.title': '工单 {number} 已关闭',
    'notify.ticket.closed.body': '您的工单 {number}「{title}」已关闭。',
    'notify.ticket.reopened.title': '工单 {number} 已重新打开',
    'notify.ticket.reopened.body': '您的工单 {number}「{title}」已重新打开，客服将继续处理。',
    'notify.ticket.cancelled.title': '工单 {number} 已取消',
    'notify.ticket.cancelled.body': '您的工单 {number}「{title}」已取消。',
    'notify.ticket.queue.title': '工单 {number} 排队进度',
    'notify.ticket.queue.body':
      '您的工单 {number}「{title}」目前排在第 {position} 位，前面还有 {ahead} 个工单。',
    'notify.ticket.queue.next.body': '您的工单 {number}「{title}」已排在第 1 位，下一个就轮到您。',
    'notify.ticket.rating_reminder.title': '请为工单 {number} 评价',
    'notify.ticket.rating_reminder.body':
      '您的工单 {number}「{title}」已于 {resolvedAt} 解决，还未评价。欢迎为本次服务打分（1-5 星）。',
    'notify.staff.ticket_waiting.title': '新工单待受理：{number}',
    'notify.staff.ticket_waiting.body':
      '{organization} 提交了工单 {number}「{title}」\n优先级：{priority}　分类：{category}\n等待受理。',
    'notify.staff.rating.title': '工单 {number} 收到 {stars} 星评价',
    'notify.staff.rating.low.title': '⚠ 低分评价：工单 {number} 仅 {stars} 星',
    'notify.staff.rating.body':
      '工单 {number}「{title}」（处理人：{staff}）收到 {stars} 星评价。\n评价内容：{comment}',
    'notify.staff.supplement.title': '工单 {number} 有客户补充说明',
    'notify.staff.supplement.body': '您处理的工单 {number}「{title}」收到客户补充：\n{text}',
    'notify.account.opened.title': '您的客服账号已开通',
    'notify.account.opened.body':
      '{name}，您好！您的客服账号已开通。\n账号：{login}\n初始密码：{password}\n首次登录后须修改密码。请勿将密码告诉任何人。',
    'notify.account.reset.title': '您的客服账号密码已重置',
    'notify.account.reset.body':
      '{name}，您好！客服已为您重置密码。\n账号：{login}\n新的初始密码：{password}\n登录后须修改密码。请勿将密码告诉任何人。',
    'notify.code.title': '{purpose}验证码',
    'notify.code.body': '您的{purpose}验证码是 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本消息。',
    'notify.code.purpose.sign_in': '登录',
    'notify.code.purpose.reset_password': '重置密码',
    'notify.code.purpose.contact_change': '更换联系方式',
    'notify.action.view': '查看工单',
    'notify.action.rate': '评价',
    'notify.action.reopen': '未解决',
    'notify.action.queue': '排队进度',
    'notify.action.accept': '受理',
    'notify.action.open': '打开工单',
    'notify.hint.view': '查看详情：在聊天中发送工单号 {number}。',
    'notify.hint.rate': '评价：在聊天中打开工单 {number}，选择「评价」。',
    'notify.hint.sign_in': '登录：在聊天中向客服机器人发送「登录」。',
    'notify.status.accepted': '已受理',
    'notify.status.replied': '有新回复',
    'notify.status.resolved': '已解决',
    'notify.status.closed': '已关闭',
    'notify.status.reopened': '已重新打开',
    'notify.status.cancelled': '已取消',
    'notify.status.shared': '已共享给您',
    'notify.status.queue': '排队第{position}位',
    'notify.status.rating_reminder': '待评价',
    'notify.priority.urgent': '紧急',
    'notify.priority.high': '高',
    'notify.priority.normal': '普通',
    'notify.priority.low': '低',
    'notify.staff.someone': '客服',
    'notify.colleague': '同事',
    'notify.ticket.shared.title': '{sharedBy} 与您共享了工单 {number}',
    'notify.ticket.shared.body': '工单 {number}「{title}」已共享给您，您可以随时查看它的进展。',
    'notify.none': '（无）',
    'notify.email.footer': '此邮件由客服系统自动发送，请勿直接回复。',
  },
  'en-US': {
    'notify.identity': 'For: {identity}',
    'notify.ticket.accepted.title': 'Ticket {number} accepted',
    'notify.ticket.accepted.body':
      'Your ticket {number} "{title}" was accepted by {staff} and is being worked on.',
    'notify.ticket.replied.title': 'New reply on ticket {number}',
    'notify.ticket.replied.body': 'Support replied to your ticket {number} "{title}":\n{text}',
    'notify.ticket.resolved.title': 'Ticket {number} resolved',
    'notify.ticket.resolved.body':
      'Your ticket {number} "{title}" has been resolved.\nResolution: {resolution}\nPlease rate our service; if the problem persists, choose "Not solved" within {days} days to reopen it.',
    'notify.ticket.closed.title': 'Ticket {number} closed',
    'notify.ticket.closed.body': 'Your ticket {number} "{title}" has been closed.',
    'notify.ticket.reopened.title': 'Ticket {number} reopened',
    'notify.ticket.reopened.body':
      'Your ticket {number} "{title}" was reopened; support will keep working on it.',
    'notify.ticket.cancelled.title': 'Ticket {number} cancelled',
    'notify.ticket.cancelled.body': 'Your ticket {number} "{title}" has been cancelled.',
    'notify.ticket.queue.title': 'Ticket {number}: queue update',
    'notify.ticket.queue.body':
      'Your ticket {number} "{title}" is now number {position} in the queue; {ahead} tickets are ahead of it.',
    'notify.ticket.queue.next.body':
      'Your ticket {number} "{title}" is now first in the queue: you are next.',
    'notify.ticket.rating_reminder.title': 'Please rate ticket {number}',
    'notify.ticket.rating_reminder.body':
      'Your ticket {number} "{title}" was resolved on {resolvedAt} and has not been rated yet. Please rate our service (1-5 stars).',
    'notify.staff.ticket_waiting.title': 'New ticket waiting: {number}',
    'notify.staff.ticket_waiting.body':
      '{organization} submitted ticket {number} "{title}"\nPriority: {priority}  Category: {category}\nWaiting for acceptance.',
    'notify.staff.rating.title': 'Ticket {number} rated {stars} stars',
    'notify.staff.rating.low.title': '⚠ Low rating: ticket {number} got {stars} stars',
    'notify.staff.rating.body':
      'Ticket {number} "{title}" (handled by {staff}) was rated {stars} stars.\nComment: {comment}',
    'notify.staff.supplement.title': 'Ticket {number}: the customer added information',
    'notify.staff.supplement.body':
      'The customer added to ticket {number} "{title}" that you handle:\n{text}',
    'notify.account.opened.title': 'Your helpdesk account is ready',
    'notify.account.opened.body':
      'Hello {name}, your helpdesk account has been opened.\nAccount: {login}\nInitial password: {password}\nYou must change it at first sign-in. Never share your password.',
    'notify.account.reset.title': 'Your helpdesk password was reset',
    'notify.account.reset.body':
      'Hello {name}, support has reset your password.\nAccount: {login}\nNew initial password: {password}\nYou must change it at sign-in. Never share your password.',
    'notify.code.title': 'Your {purpose} code',
    'notify.code.body':
      'Your {purpose} code is {code}. It is valid for {minutes} minutes. If you did not ask for it, ignore this message.',
    'notify.code.purpose.sign_in': 'sign-in',
    'notify.code.purpose.reset_password': 'password reset',
    'notify.code.purpose.contact_change': 'contact change',
    'notify.action.view': 'View ticket',
    'notify.action.rate': 'Rate',
    'notify.action.reopen': 'Not solved',
    'notify.action.queue': 'Queue position',
    'notify.action.accept': 'Accept',
    'notify.action.open': 'Open ticket',
    'notify.hint.view': 'Details: send the ticket number {number} in the chat.',
    'notify.hint.rate': 'To rate: open ticket {number} in the chat and choose "Rate".',
    'notify.hint.sign_in': 'To sign in: send "sign in" to the helpdesk bot in your chat.',
    'notify.status.accepted': 'accepted',
    'notify.status.replied': 'new reply',
    'notify.status.resolved': 'resolved',
    'notify.status.closed': 'closed',
    'notify.status.reopened': 'reopened',
    'notify.status.cancelled': 'cancelled',
    'notify.status.shared': 'shared with you',
    'notify.status.queue': 'queue no. {position}',
    'notify.status.rating_reminder': 'awaiting rating',
    'notify.priority.urgent': 'urgent',
    'notify.priority.high': 'high',
    'notify.priority.normal': 'normal',
    'notify.priority.low': 'low',
    'notify.staff.someone': 'support',
    'notify.colleague': 'A colleague',
    'notify.ticket.shared.title': '{sharedBy} shared ticket {number} with you',
    'notify.ticket.shared.body':
      'Ticket {number} "{title}" was shared with you: you can follow its progress any time.',
    'notify.none': '(none)',
    'notify.email.footer': 'This email was sent by the helpdesk automatically; please do not reply to it.',
  },
};
