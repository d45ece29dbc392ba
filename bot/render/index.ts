import type { Activity } from 'botbuilder';

/**
 * Turns an outgoing activity (text fallback + the channel-neutral Reply attachment, see dialogs/say.ts)
 * into what one channel shows. Each channel registers its own: 'web' (bot/render/web.ts), 'msteams'
 * (bot/render/teams.ts, Teams team), 'wecom'...
 */
export interface ChannelRenderer<Out = unknown> {
  /** botbuilder channel id: 'web', 'msteams', 'wecom', ... */
  channelId: string;
  render(activity: Partial<Activity>): Out;
}

export class RendererRegistry {
  private readonly renderers = new Map<string, ChannelRenderer>();

  register(renderer: ChannelRenderer): this {
    this.renderers.set(renderer.channelId, renderer);
    return this;
  }

  get<Out>(channelId: string): ChannelRenderer<Out> | undefined {
    return this.renderers.get(channelId) as ChannelRenderer<Out> | undefined;
  }

  /** Renders with the channel's renderer; an activity of a channel without one passes through unchanged. */
  render<Out>(channelId: string, activity: Partial<Activity>): Out | Partial<Activity> {
    const renderer = this.get<Out>(channelId);
    return renderer ? renderer.render(activity) : activity;
  }
}
