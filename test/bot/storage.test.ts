import { ConversationState, TestAdapter, TurnContext } from 'botbuilder';
import { createStates } from '../../bot/state';
import { DbStorage, ETAG_ABSENT, isEtagConflict, StorageEtagConflictError } from '../../bot/storage';
import { describeEachDriver } from '../support/db';

let n = 0;
const key = (name: string) => `test/${name}/${++n}/${Date.now()}`;

function turnFor(conversationId: string): TurnContext {
  const adapter = new TestAdapter();
  return new TurnContext(adapter, {
    type: 'message',
    channelId: 'web',
    text: 'hi',
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'user-1', name: '' },
    recipient: { id: 'bot', name: '' },
  });
}

describeEachDriver('bot state storage', (db) => {
  const storage = () => new DbStorage(db.db);

  it('reads nothing for a key never written', async () => {
    expect(await storage().read([key('missing')])).toEqual({});
    expect(await storage().read([])).toEqual({});
  });

  it('writes without an eTag unconditionally and returns versions as eTags', async () => {
    const k = key('plain');
    await storage().write({ [k]: { step: 1, nested: { text: '你好', list: [1, 2] } } });
    const first = await storage().read([k]);
    expect(first[k]).toEqual({ step: 1, nested: { text: '你好', list: [1, 2] }, eTag: '1' });
    await storage().write({ [k]: { step: 2, eTag: '*' } });
    const second = await storage().read([k]);
    expect(second[k]).toEqual({ step: 2, eTag: '2' });
  });

  it('writes with the current eTag and refuses a stale one, leaving the stored document as it was', async () => {
    const k = key('etag');
    await storage().write({ [k]: { v: 'a' } });
    const read = (await storage().read([k]))[k]!;
    await storage().write({ [k]: { ...read, v: 'b' } });
    // `read` still carries eTag "1": it is stale now.
    const stale = storage().write({ [k]: { ...read, v: 'c' } });
    await expect(stale).rejects.toBeInstanceOf(StorageEtagConflictError);
    await expect(stale).rejects.toThrow(/changed by another turn/);
    expect((await storage().read([k]))[k]).toEqual({ v: 'b', eTag: '2' });
  });

  it('treats a garbage eTag as stale', async () => {
    const k = key('garbage');
    await storage().write({ [k]: { v: 1 } });
    await expect(storage().write({ [k]: { v: 2, eTag: 'W/"abc"' } })).rejects.toThrow(
      StorageEtagConflictError,
    );
  });

  it('ETAG_ABSENT creates only when nobody created the item first', async () => {
    const k = key('absent');
    await storage().write({ [k]: { v: 1, eTag: ETAG_ABSENT } });
    expect((await storage().read([k]))[k]).toEqual({ v: 1, eTag: '1' });
    await expect(storage().write({ [k]: { v: 2, eTag: ETAG_ABSENT } })).rejects.toThrow(
      StorageEtagConflictError,
    );
  });

  it('deletes (missing keys are fine) and a write expecting the deleted version then fails', async () => {
    const k = key('delete');
    await storage().write({ [k]: { v: 1 } });
    await storage().delete([k, key('never')]);
    expect(await storage().read([k])).toEqual({});
    await expect(storage().write({ [k]: { v: 2, eTag: '1' } })).rejects.toThrow(StorageEtagConflictError);
  });

  it('lets exactly one of many concurrent writers with the same eTag win', async () => {
    const k = key('race');
    await storage().write({ [k]: { winner: null } });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => new DbStorage(db.db).write({ [k]: { winner: i, eTag: '1' } })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(7);
    for (const r of rejected) expect(isEtagConflict(r.reason)).toBe(true);
    expect((await storage().read([k]))[k]!.eTag).toBe('2');
  });

  it('makes botbuilder ConversationState refuse a stale save (it would write with "*" on its own)', async () => {
    const { conversationState } = createStates(db.db);
    const counter = conversationState.createProperty<number>('counter');
    const conversation = key('conversation');
    // Two turns of the same conversation load the same version, as two processes would.
    const a = turnFor(conversation);
    const b = turnFor(conversation);
    await counter.set(a, (await counter.get(a, 0)) + 1);
    await counter.set(b, (await counter.get(b, 0)) + 10);
    await conversationState.saveChanges(a);
    await expect(conversationState.saveChanges(b)).rejects.toThrow(StorageEtagConflictError);

    const c = turnFor(conversation);
    expect(await counter.get(c, 0)).toBe(1);
    // The same turn may save twice: the second save expects the version the first one wrote.
    await counter.set(c, 2);
    await conversationState.saveChanges(c);
    await counter.set(c, 3);
    await conversationState.saveChanges(c);
    expect(await counter.get(turnFor(conversation), 0)).toBe(3);
  });

  it('commits a turn: changed state and the inbound mark in one transaction, or nothing of it', async () => {
    const states = createStates(db.db);
    const counter = states.conversationState.createProperty<number>('counter');
    const conversation = key('commit');
    const inbound = `web:${conversation}:m1`;
    const a = turnFor(conversation);
    await counter.set(a, 1);
    expect(await states.commit(a, inbound)).toBe('committed');
    expect(await counter.get(turnFor(conversation), 0)).toBe(1);
    // The same inbound id handled again (another process, no lease): nothing of the second turn is kept.
    const b = turnFor(conversation);
    await counter.set(b, 99);
    expect(await states.commit(b, inbound)).toBe('duplicate');
    expect(await counter.get(turnFor(conversation), 0)).toBe(1);
    // A stale state save fails the whole commit: the inbound id is not marked, a resend runs again.
    const stale = turnFor(conversation);
    const fresh = turnFor(conversation);
    await counter.set(stale, (await counter.get(stale, 0)) + 1);
    await counter.set(fresh, (await counter.get(fresh, 0)) + 1);
    expect(await states.commit(fresh, `${inbound}-fresh`)).toBe('committed');
    await expect(states.commit(stale, `${inbound}-stale`)).rejects.toThrow(StorageEtagConflictError);
    const { rows } = await db.db.query('select key from inbound_seen where key = $1', [`${inbound}-stale`]);
    expect(rows).toEqual([]);
    // Nothing changed and nothing inbound: no write at all.
    const idle = turnFor(conversation);
    await counter.get(idle, 0);
    expect(await states.commit(idle)).toBe('committed');
  });

  it('a plain ConversationState on DbStorage keeps botbuilder semantics (last writer wins)', async () => {
    const state = new ConversationState(storage());
    const prop = state.createProperty<string>('p');
    const conversation = key('plain-state');
    const a = turnFor(conversation);
    const b = turnFor(conversation);
    await prop.set(a, 'a');
    await prop.set(b, 'b');
    await state.saveChanges(a);
    await state.saveChanges(b);
    expect(await prop.get(turnFor(conversation))).toBe('b');
  });
});
