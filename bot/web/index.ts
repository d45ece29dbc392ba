import path from 'node:path';
import type { Response } from 'express';
import { webRenderer } from '../render/web';
import type { ChannelPlugin } from '../runtime';
import { WebChatAdapter, webReference } from './adapter';
import { createWebChatPush } from './push';
import { createWebChatModules } from './routes';
import { UploadStore } from './uploads';

export { WebChatAdapter, webConversationId, webReference } from './adapter';
export { recordDevMessage } from './dev-outbox';
export { createWebChatPush, WebChatPush } from './push';

/** The web chat channel: /chat page, /api/webchat endpoints, uploads under DATA_DIR/uploads, pushes over SSE. */
export const webChannel: ChannelPlugin = {
  channel: 'web',
  enabled: (config) => config.CHANNELS.includes('web'),
  async create(core) {
    const { ctx } = core;
    const push = createWebChatPush(ctx);
    const adapter = new WebChatAdapter(push, () => ctx.config.publicBaseUrl);
    core.renderers.register(webRenderer);
    const streams = new Set<Response>();
    const modules = createWebChatModules({
      adapter,
      pipeline: core.pipeline,
      push,
      uploads: new UploadStore(path.resolve(ctx.config.DATA_DIR, 'uploads')),
      logger: ctx.logger,
      publicBaseUrl: () => ctx.config.publicBaseUrl,
      devTools: ctx.config.NODE_ENV !== 'production',
      limits: {
        messages: core.rateLimiter('webchat:messages', 60, 60),
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
      defaultReference: (chatUserId) => webReference(chatUserId, ctx.config.publicBaseUrl),
      async stop() {
        for (const res of streams) res.end();
        streams.clear();
        await push.close();
      },
    };
  },
};
