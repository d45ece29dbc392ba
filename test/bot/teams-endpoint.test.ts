import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createTeamsAdapter } from '../../bot/teams/adapter';
import { createTeamsEndpoint } from '../../bot/teams/endpoint';
import { loadConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';

/** The endpoint's own behaviour: answer before Teams' 15 s resend, never leak a turn's error. */
describe('Teams endpoint timing and errors (no app id: local mode)', () => {
  let server: Server;
  let url = '';
  let turnDone = false;
  let behaviour: 'slow' | 'throw' | 'fast' = 'fast';
  // A slow turn runs until the test lets it go, so "answered before the turn finished" needs no clock.
  let releaseTurn: () => void = () => undefined;
  let turnGate = Promise.resolve();
  const endpoint = createTeamsEndpoint({
    adapter: createTeamsAdapter(loadConfig({ CHANNELS: 'teams' }), createLogger('silent')),
    logger: createLogger('silent'),
    answerWithinMs: 200,
    logic: async () => {
      if (behaviour === 'throw') throw new Error('secret internals: db password hunter2');
      if (behaviour === 'slow') await turnGate;
      turnDone = true;
    },
  });

  beforeAll(async () => {
    const app = express();
    app.use(endpoint.module.path, endpoint.module.router);
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  });
  afterAll(async () => {
    await endpoint.stop();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    turnDone = false;
    turnGate = new Promise<void>((resolve) => {
      releaseTurn = resolve;
    });
  });

  const post = (body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const activity = {
    type: 'message',
    id: 'a1',
    text: 'hi',
    channelId: 'msteams',
    serviceUrl: 'http://127.0.0.1:9/',
    conversation: { id: 'c1' },
    from: { id: '29:u' },
    recipient: { id: '28:b' },
  };

  it('answers a slow turn before it finishes and lets it finish in the background', async () => {
    behaviour = 'slow';
    const res = await post(activity);
    expect(res.status).toBe(200);
    expect(turnDone).toBe(false);
    releaseTurn();
    await endpoint.stop();
    expect(turnDone).toBe(true);
  });

  it('a failing turn is logged, not shown: the request is acknowledged without internals', async () => {
    // botbuilder hands the error to onTurnError (our log); a resend would not help, the dedupe drops it.
    behaviour = 'throw';
    const res = await post({ ...activity, id: 'a2' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('refuses what is not an activity', async () => {
    behaviour = 'fast';
    expect((await post({ hello: 'world' })).status).toBe(400);
    expect((await post([])).status).toBe(400);
    expect(turnDone).toBe(false);
  });
});
