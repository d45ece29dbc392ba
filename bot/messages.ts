import { type CatalogPair, registerCatalog } from '../i18n';

/** What the bot runtime itself says (outside any dialog): turn failures and the web chat's own errors. */
export const runtimeMessages: CatalogPair = {
  'zh-CN': {
    'runtime.turn_failed': '抱歉，处理您的消息时出了点问题。请再发一次，或发送“菜单”重新开始。',
    'runtime.turn_conflict':
      '您的上一条消息和另一条消息同时到达，为避免重复处理，这一条没有生效。请查看上面的最新回复后再试一次。',
  },
  'en-US': {
    'runtime.turn_failed':
      'Sorry, something went wrong while handling your message. Please send it again, or type "menu" to start over.',
    'runtime.turn_conflict':
      'Your message arrived at the same time as another one, so it was not applied to avoid doing things twice. Please check the latest reply above and try again.',
  },
};

registerCatalog('runtime', runtimeMessages);
