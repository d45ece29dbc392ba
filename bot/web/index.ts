import type { Response } from 'express';
import { waitsForFiles } from '../../dialogs';
import { deriveKey } from '../../platform/secret';
import { webRenderer } from '../render/web';
import type { ChannelPlugin } from '../runtime';
import { DbStorage } from '../storage';
import { WEB_CHANNEL_ID, WebChatAdapter, webConversationId, webReference } from './adapter';
import { createWebChatPush } from './push';
import { createWebChatModules } from './routes';
import { WebChatSessions } from './session';
import { UploadStore } from './uploads';

export { WebChatAdapter, webConversationId, webReference } from './adapter';
export { recordDevMessage } from './dev-outbox';
export { createWebChatPush, WebChatPush } from './push';

/** The web chat channel: /chat page, /api/webchat endpoints, uploads in the database, pushes over SSE. */
export const webChannel: ChannelPlugin = {
  channel: 'web',
  enabled: (config) => config.CHANNELS.includes('web'),
  async create(core) {
    const { ctx } = core;
    const { config } = ctx;
    const push = createWebChatPush(ctx);
    const adapter = new WebChatAdapter(push, () => config.publicBaseUrl);
    core.renderers.register(webRenderer);
    const streams = new Set<Response>();
    const state = new DbStorage(ctx.db);
    const modules = createWebChatModules({
      adapter,
      pipeline: core.pipeline,
      push,
      sessions: new WebChatSessions(deriveKey(config, 'web chat ids'), () =>
        config.publicBaseUrl.startsWith('https:'),
      ),
      uploads: new UploadStore(ctx.db, {
        quotaBytesPerDay: config.WEBCHAT_UPLOAD_MB_PER_DAY * 1024 * 1024,
        now: ctx.now,
      }),
      async uploaderAccount(chatUserId) {
        const binding = await ctx.services.bindings.get('web', chatUserId);
        if (!binding?.accountId) return undefined;
        const key = `${WEB_CHANNEL_ID}/conversations/${webConversationId(chatUserId)}/`;
        const stored = await state.read([key]);
        return waitsForFiles(stored[key]) ? binding.accountId : undefined;
      },
      logger: ctx.logger,
      publicBaseUrl: () => config.publicBaseUrl,
      devPanel: config.devPanel,
      limits: {
        sessions: core.rateLimiter('webchat:sessions', config.WEBCHAT_SESSIONS_PER_HOUR, 3600),
        messages: core.rateLimiter('webchat:messages', config.WEBCHAT_MESSAGES_PER_MINUTE, 60),
        uploads: core.rateLimiter('webchat:uploads', 30, 600),
      },
      streams,
    });
    return {
      modules,
      readiness: [
        {
          name: 'webchat',
          check: async () => {
            await push.ping();
            return { connected: push.connectedUsers };
          },
        },
      ],
      continueConversation: (reference, logic) => adapter.continueConversation(reference, logic),
      defaultReference: (chatUserId) => webReference(chatUserId, config.publicBaseUrl),
      async stop() {
        for (const res of streams) res.end();
        streams.clear();
        await push.close();
      },
    };
  },
};
