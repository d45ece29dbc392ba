import { type CatalogPair, registerCatalog } from '../i18n';

/** What the bot runtime itself says (outside any dialog): turn failures and the web chat's own errors. */
export const runtimeMessages: CatalogPair = {
  'zh-CN': {
    'runtime.turn_failed': '抱歉，处理您的消息时出了点问题。请再发一次，或发送“菜单”重新开始。',
    'runtime.turn_conflict':
      '您的这条消息和另一条消息同时到达，对话已按另一条继续。请先看一下上面的回复，需要时再发一次。',
  },
  'en-US': {
    'runtime.turn_failed':
      'Sorry, something went wrong while handling your message. Please send it again, or type "menu" to start over.',
    'runtime.turn_conflict':
      'Your message arrived at the same time as another one, and the conversation continued from the other one. Please check the replies above and send it again if needed.',
  },
};

registerCatalog('runtime', runtimeMessages);
