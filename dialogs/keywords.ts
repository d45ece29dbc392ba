/**
 * Typed words that mean a button, accepted in both languages whatever the chat's locale
 * (a customer may type "next" in a Chinese chat). Compared after `normalize` (lower case, no punctuation).
 */
export const KEYWORDS = {
  menu: ['menu', 'home', 'main menu', '菜单', '首页', '主页', '主菜单', '返回首页', '返回菜单'],
  help: ['help', '帮助', '?', '？', '怎么用', '使用帮助'],
  cancel: ['cancel', 'quit', 'stop', '取消', '退出', '算了', '不用了'],
  english: ['english', '英文', '英语', 'switch to english'],
  chinese: ['中文', 'chinese', '简体中文', '汉语', '切换中文'],
  signOut: ['sign out', 'signout', 'log out', 'logout', '退出登录', '注销', '登出'],
  signIn: ['sign in', 'signin', 'log in', 'login', '登录'],
  next: ['next', 'next page', 'more', '下一页', '下页', '更多', '>'],
  previous: ['previous', 'prev', 'previous page', 'back page', '上一页', '上页', '<'],
  back: ['back', 'return', '返回', '返回列表'],
  yes: ['yes', 'y', 'ok', 'confirm', '是', '是的', '确认', '确定', '好', '好的'],
  no: ['no', 'n', '否', '不', '不是'],
  skip: ['skip', 'none', 'no comment', '跳过', '无', '没有'],
  saveDraft: ['save draft', 'save as draft', 'draft', '保存草稿', '存草稿', '草稿'],
  submit: ['submit', 'send', '提交', '发送'],
  done: ['done', 'finish', 'finished', '完成', '好了', '没有了'],
  newTicket: ['new ticket', 'create ticket', 'new', '新建工单', '新建', '提交工单', '报修', '新工单'],
  myTickets: ['my tickets', 'tickets', 'list', '我的工单', '工单', '工单列表', '工单进度', '查询工单'],
  drafts: ['drafts', 'my drafts', '草稿箱', '我的草稿', '草稿工单'],
  switchIdentity: ['switch identity', 'identity', 'identities', '切换身份', '身份', '我的身份'],
  profile: ['profile', 'my profile', 'me', '个人资料', '个人中心', '资料'],
  changePassword: ['change password', '修改密码', '改密码'],
  forgotPassword: ['forgot password', 'reset password', '忘记密码', '找回密码', '重置密码'],
  webSignIn: ['web sign in', 'link', '网页登录', '链接登录', '登录链接'],
  codeSignIn: ['code', 'code sign in', 'sms', '验证码登录', '验证码', '短信登录'],
  queue: ['queue', 'queue position', 'position', '排队', '排队进度', '排第几'],
  rate: ['rate', 'rating', '评价', '打分'],
  reopen: ['reopen', 'not solved', '未解决', '没解决', '重新打开'],
  share: ['share', '分享'],
  cancelTicket: ['cancel ticket', '取消工单', '撤销工单'],
  supplement: ['supplement', 'add info', 'add supplement', '补充', '补充说明', '追加说明'],
  edit: ['edit', 'change', 'modify', '编辑', '修改'],
  delete: ['delete', 'remove', '删除'],
  resend: ['resend', 'send again', 'new code', '重新发送', '重发', '再发一次'],
} as const;

export type KeywordGroup = keyof typeof KEYWORDS;

export function words(group: KeywordGroup): string[] {
  return [...KEYWORDS[group]];
}

/** A ticket number as the services assign them, e.g. T20261124-0001. */
export const TICKET_NUMBER = /^t\d{8}-\d{3,}$/i;
