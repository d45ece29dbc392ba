import type { ChannelPlugin } from './runtime';
import { teamsChannel } from './teams';
import { webChannel } from './web';

/**
 * Every chat channel the bot can serve; each turns itself on from the configuration (CHANNELS).
 * A new channel (Teams in bot/teams, WeCom) adds its plugin here: one import, one entry.
 */
export const channelPlugins: ChannelPlugin[] = [webChannel, teamsChannel];
