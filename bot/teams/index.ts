import { teamsRenderer } from '../render/teams';
import type { ChannelPlugin } from '../runtime';
import { createTeamsAdapter } from './adapter';
import { CardStore, pruneCards } from './cards';
import { createTeamsEndpoint } from './endpoint';
import { renderOutgoing } from './outgoing';
import { createTeamsTurn } from './turn';

export { createTeamsAdapter, TeamsAdapter, teamsAuthOptions } from './adapter';
export { createTeamsEndpoint } from './endpoint';

const PRUNE_EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * Microsoft Teams: /api/messages on botbuilder's CloudAdapter, Adaptive Cards out, proactive turns on
 * stored conversation references. Enabled by CHANNELS including "teams".
 */
export const teamsChannel: ChannelPlugin = {
  channel: 'teams',
  enabled: (config) => config.CHANNELS.includes('teams'),
  async create(core) {
    const { ctx } = core;
    const logger = ctx.logger.child({ component: 'teams' });
    const adapter = createTeamsAdapter(ctx.config, logger);
    const cards = new CardStore(ctx.db);
    core.renderers.register(teamsRenderer);
    const endpoint = createTeamsEndpoint({
      adapter,
      logger,
      logic: createTeamsTurn({ ctx, pipeline: core.pipeline, cards, logger }),
    });
    if (adapter.authenticated) {
      logger.info(
        { appId: adapter.appId },
        'teams: /api/messages accepts only requests signed by the Bot Framework',
      );
    } else {
      logger.warn(
        'teams: no MicrosoftAppId, so /api/messages runs WITHOUT authentication and sends no tokens: for local use only (Bot Framework Emulator, tests)',
      );
    }
    const prune = setInterval(() => {
      pruneCards(ctx.db).catch((error) => logger.warn({ err: error }, 'teams: could not prune card records'));
    }, PRUNE_EVERY_MS);
    prune.unref();
    return {
      modules: [endpoint.module],
      continueConversation: (reference, logic) =>
        adapter.continueWith(reference, async (context) => {
          renderOutgoing(context, cards, logger);
          await logic(context);
        }),
      async stop() {
        clearInterval(prune);
        await endpoint.stop();
      },
    };
  },
};
