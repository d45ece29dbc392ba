import { type CatalogPair, registerCatalog } from '../../i18n';

/** Texts of the secret web pages (sign-in, change password, forgot password), both locales. */
export const pageMessages: CatalogPair = {
  'zh-CN': {
    'pages.brand': '客服中心',
    'pages.switch_language': 'English',
    'pages.back_to_chat': '现在可以关闭此页面，返回聊天窗口继续。',
    'pages.field.login': '账号（手机号或邮箱）',
    'pages.field.password': '密码',
    'pages.field.current_password': '当前密码',
    'pages.field.new_password': '新密码',
    'pages.field.confirm_password': '再次输入新密码',
    'pages.field.code': '验证码',
    'pages.password_hint': '至少 8 位，需同时包含字母和数字。',

    'pages.sign_in.title': '登录',
    'pages.sign_in.intro': '请输入您的账号和密码。登录后，聊天窗口会自动确认。',
    'pages.sign_in.submit': '登录',
    'pages.sign_in.done_title': '登录成功',
    'pages.sign_in.done': '您已登录，聊天窗口中已确认。',
    'pages.sign_in.must_change': '登录成功。您正在使用初始密码，请先设置一个新密码。',

    'pages.change.title': '修改密码',
    'pages.change.intro': '请输入当前密码和新密码。',
    'pages.change.submit': '修改密码',
    'pages.change.done_title': '密码已修改',
    'pages.change.done': '您的密码已修改，下次登录请使用新密码。',

    'pages.forgot.title': '找回密码',
    'pages.forgot.intro': '请输入您的账号（手机号或邮箱），我们会向它发送验证码。',
    'pages.forgot.send_code': '发送验证码',
    'pages.forgot.code_sent': '如果该账号存在，验证码正在发送到 {login}，通常一分钟内送达，10 分钟内有效。',
    'pages.forgot.resend': '没收到？重新发送',
    'pages.forgot.submit': '重置密码',
    'pages.forgot.done_title': '密码已重置',
    'pages.forgot.done': '您的密码已重置，请使用新密码登录。',

    'pages.error.required': '请填写所有必填项。',
    'pages.error.mismatch': '两次输入的新密码不一致。',
    'pages.error.password_too_short': '新密码至少需要 8 位。',
    'pages.error.password_too_long': '新密码太长了（最多 128 位）。',
    'pages.error.password_too_weak': '新密码需同时包含字母和数字。',
    'pages.error.password_unchanged': '新密码不能与当前密码相同。',
    'pages.error.wrong_current': '当前密码不正确。',
    'pages.error.wrong_current_remaining': '当前密码不正确，还可以再试 {remaining} 次。',

    'pages.link_invalid.title': '链接已失效',
    'pages.link_invalid.web_token_expired': '这个链接已过期（链接 10 分钟内有效）。',
    'pages.link_invalid.web_token_used': '这个链接已经使用过了，每个链接只能使用一次。',
    'pages.link_invalid.web_token_revoked': '这个链接已失效，因为聊天中的登录状态已改变。',
    'pages.link_invalid.web_token_unknown': '这个链接无效，请确认链接完整。',
    'pages.link_invalid.how_sign_in': '请回到聊天窗口，发送“登录”获取新的链接。',
    'pages.link_invalid.how_change_password': '请回到聊天窗口，发送“修改密码”获取新的链接。',
    'pages.link_invalid.how_forgot_password': '请回到聊天窗口，发送“忘记密码”获取新的链接。',

    'pages.csrf.title': '请重新提交',
    'pages.csrf.text': '页面已过期或请求来源无法确认。请重新打开聊天中的链接后再试。',
    'pages.rate_limited.title': '操作太频繁',
    'pages.rate_limited.text': '请求次数太多，请 {minutes} 分钟后再试。',
  },
  'en-US': {
    'pages.brand': 'Helpdesk',
    'pages.switch_language': '中文',
    'pages.back_to_chat': 'You can close this page now and return to the chat.',
    'pages.field.login': 'Account (phone or email)',
    'pages.field.password': 'Password',
    'pages.field.current_password': 'Current password',
    'pages.field.new_password': 'New password',
    'pages.field.confirm_password': 'New password again',
    'pages.field.code': 'Verification code',
    'pages.password_hint': 'At least 8 characters, with letters and digits.',

    'pages.sign_in.title': 'Sign in',
    'pages.sign_in.intro': 'Enter your account and password. The chat confirms once you are signed in.',
    'pages.sign_in.submit': 'Sign in',
    'pages.sign_in.done_title': 'Signed in',
    'pages.sign_in.done': 'You are signed in; the chat has confirmed it.',
    'pages.sign_in.must_change':
      'Signed in. You are using an initial password: please set your own password now.',

    'pages.change.title': 'Change password',
    'pages.change.intro': 'Enter your current password and a new one.',
    'pages.change.submit': 'Change password',
    'pages.change.done_title': 'Password changed',
    'pages.change.done': 'Your password has been changed. Use the new one next time you sign in.',

    'pages.forgot.title': 'Forgot password',
    'pages.forgot.intro': 'Enter your account (phone or email) and we will send a verification code to it.',
    'pages.forgot.send_code': 'Send code',
    'pages.forgot.code_sent':
      'If this account exists, a code is on its way to {login}; it usually arrives within a minute and is valid for 10 minutes.',
    'pages.forgot.resend': 'No code? Send again',
    'pages.forgot.submit': 'Reset password',
    'pages.forgot.done_title': 'Password reset',
    'pages.forgot.done': 'Your password has been reset. Sign in with the new one.',

    'pages.error.required': 'Please fill in every required field.',
    'pages.error.mismatch': 'The two new passwords do not match.',
    'pages.error.password_too_short': 'The new password needs at least 8 characters.',
    'pages.error.password_too_long': 'The new password is too long (at most 128 characters).',
    'pages.error.password_too_weak': 'The new password needs both letters and digits.',
    'pages.error.password_unchanged': 'The new password must differ from the current one.',
    'pages.error.wrong_current': 'The current password is not correct.',
    'pages.error.wrong_current_remaining': 'The current password is not correct. {remaining} attempts left.',

    'pages.link_invalid.title': 'This link can no longer be used',
    'pages.link_invalid.web_token_expired': 'This link has expired (links are valid for 10 minutes).',
    'pages.link_invalid.web_token_used': 'This link was already used; each link works once.',
    'pages.link_invalid.web_token_revoked':
      'This link is no longer valid because your sign-in in the chat changed.',
    'pages.link_invalid.web_token_unknown': 'This link is not valid. Please check that it is complete.',
    'pages.link_invalid.how_sign_in': 'Return to the chat and send "sign in" to get a new link.',
    'pages.link_invalid.how_change_password':
      'Return to the chat and send "change password" to get a new link.',
    'pages.link_invalid.how_forgot_password':
      'Return to the chat and send "forgot password" to get a new link.',

    'pages.csrf.title': 'Please submit again',
    'pages.csrf.text':
      'This page expired or the request could not be verified. Open the link from the chat again and retry.',
    'pages.rate_limited.title': 'Too many attempts',
    'pages.rate_limited.text': 'Too many requests. Please try again in {minutes} minutes.',
  },
};

registerCatalog('pages', pageMessages);
