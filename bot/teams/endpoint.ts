import type { Activity, TurnContext } from 'botbuilder';
import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { HttpModule } from '../../http/server';
import type { Logger } from '../../platform/logger';
import type { TeamsAdapter } from './adapter';

/**
 * POST /api/messages, the Bot Framework messaging endpoint.
 *
 * 1. The token is checked first (botbuilder's validator): a missing or bad one is a 401 before any work.
 * 2. The turn runs; if it is not done within `answerWithinMs` (Teams resends after 15 s), the request
 *    is answered 200 anyway and the turn finishes in the background. Replies do not travel in this
 *    response but through the Bot Connector, so nothing is lost; the resent copy is dropped by the bot
 *    core's activity-id dedupe.
 * Errors never show internals: 401 {error: unauthorized}, 400 {error: bad_request}, 500 {error: internal_error}.
 */

export interface TeamsEndpointOptions {
  adapter: TeamsAdapter;
  logger: Logger;
  logic: (context: TurnContext) => Promise<void>;
  answerWithinMs?: number;
}

export interface TeamsEndpoint {
  module: HttpModule;
  /** Waits for turns still running in the background (graceful shutdown). */
  stop(): Promise<void>;
}

const ANSWER_WITHIN_MS = 10_000;

const id = z.string().min(1).max(1000);
/**
 * What botbuilder needs of an inbound activity to run a turn and answer it; anything else Teams adds
 * passes through untouched.
 */
const INBOUND_ACTIVITY = z.looseObject({
  type: z.string().min(1).max(100),
  id: z.string().max(1000).optional(),
  channelId: z.string().min(1).max(100),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2000),
  conversation: z.looseObject({ id }),
  from: z.looseObject({ id }).optional(),
  recipient: z.looseObject({ id: z.string().max(1000) }).optional(),
  text: z.string().max(100_000).optional(),
  value: z.unknown().optional(),
});

export function createTeamsEndpoint(options: TeamsEndpointOptions): TeamsEndpoint {
  const { adapter, logger } = options;
  const answerWithin = options.answerWithinMs ?? ANSWER_WITHIN_MS;
  const running = new Set<Promise<unknown>>();
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  router.post('/', async (req: Request, res: Response) => {
    const activity = req.body as Activity | undefined;
    if (!activity || typeof activity !== 'object' || typeof activity.type !== 'string') {
      res.status(400).json({ error: 'bad_request' });
      return;
    }
    const header = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
    let auth: Awaited<ReturnType<TeamsAdapter['authenticate']>>;
    try {
      auth = await adapter.authenticate(activity, header);
    } catch (error) {
      // Any failure to validate (no token, unknown key, bad signature, wrong audience/issuer) is a 401.
      req.log?.warn({ reason: (error as Error).message }, 'teams: request refused (authentication)');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    if (!INBOUND_ACTIVITY.safeParse(activity).success) {
      // Not an activity Teams would send: the sender's mistake, answered and noted without a stack.
      req.log?.info({ type: activity.type }, 'teams: malformed activity refused');
      res.status(400).json({ error: 'bad_request' });
      return;
    }
    const turn = adapter.runTurn(auth, activity, options.logic);
    running.add(turn);
    const settled = turn.then(
      (invoke) => ({ done: true as const, invoke }),
      (error: unknown) => ({ done: true as const, error }),
    );
    void settled.finally(() => running.delete(turn));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<{ done: false }>((resolve) => {
      timer = setTimeout(() => resolve({ done: false }), answerWithin);
    });
    const outcome = await Promise.race([settled, late]);
    clearTimeout(timer);
    if (!outcome.done) {
      logger.warn(
        { activityId: activity.id, type: activity.type },
        'teams: slow turn, answered before it finished',
      );
      void settled.then((o) => {
        if ('error' in o) logger.error({ err: o.error }, 'teams: turn failed after the request was answered');
      });
      res.status(200).end();
      return;
    }
    if ('error' in outcome) {
      logger.error({ err: outcome.error }, 'teams: turn failed');
      res.status(500).json({ error: 'internal_error' });
      return;
    }
    const invoke = outcome.invoke;
    if (invoke) {
      res.status(invoke.status);
      if (invoke.body !== undefined) res.json(invoke.body);
      else res.end();
      return;
    }
    res.status(200).end();
  });

  return {
    module: { path: '/api/messages', router },
    async stop() {
      await Promise.allSettled([...running]);
    },
  };
}
