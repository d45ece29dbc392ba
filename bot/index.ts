import type { AppContext } from '../app/context';
import { HelpdeskDialogs } from '../dialogs';
import { channelPlugins } from './plugins';
import { type BotRuntime, type BotRuntimeOptions, createBotRuntime } from './runtime';

export type { BotCore, BotRuntime, ChannelInstance, ChannelPlugin, ResumeEvent } from './runtime';
export { createBotRuntime } from './runtime';

/** The bot with the helpdesk dialogs and every channel enabled in the configuration. */
export async function createBot(ctx: AppContext, hooks?: BotRuntimeOptions['hooks']): Promise<BotRuntime> {
  return createBotRuntime(ctx, {
    dialogs: (deps, conversationState, userState) => new HelpdeskDialogs(deps, conversationState, userState),
    plugins: channelPlugins,
    hooks,
  });
}
