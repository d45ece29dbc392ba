import type { Config } from '../../platform/config';
import type { SmsContent } from './types';

/**
 * SMS providers send only pre-approved templates. The operator registers three and names them in
 * SMS_TEMPLATE_CREDENTIALS / _CODE / _NOTICE; their variables, in this order:
 *   credentials: {account} {password}      e.g. 您的客服账号 {1} 已开通，初始密码 {2}，请登录后修改。
 *   code:        {code} {minutes}          e.g. 您的验证码为 {1}，{2} 分钟内有效。
 *   notice:      {number} {status}         e.g. 您的工单 {1} 状态更新：{2}，请在聊天中查看。
 * Tencent takes the values positionally, Alibaba by these names.
 */
export function templateId(config: Config, content: SmsContent): string {
  const id =
    content.template === 'credentials'
      ? config.SMS_TEMPLATE_CREDENTIALS
      : content.template === 'code'
        ? config.SMS_TEMPLATE_CODE
        : config.SMS_TEMPLATE_NOTICE;
  if (!id) throw new Error(`SMS template for ${content.template} is not configured`);
  return id;
}

/** Providers cap variable length (Tencent: 6-12 characters for some account types); notices stay short. */
export function clip(value: string, max = 20): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join('')}…`;
}
