import {
  type BotState,
  ConversationState,
  type Storage,
  type StoreItems,
  type TurnContext,
  UserState,
} from 'botbuilder';
import type { Database } from '../services/db/database';
import { DbStorage, ETAG_ABSENT } from './storage';

/**
 * botbuilder's BotState.saveChanges always writes with eTag '*', so two turns of one conversation
 * running in two processes would silently overwrite each other. This view over DbStorage remembers the
 * version each state object was read at (keyed by the object itself, so concurrent turns never mix)
 * and writes with that version instead: a stale save fails with StorageEtagConflictError.
 * A key read as missing is written "must not exist yet". Only an object BotState made up itself
 * (after `clear`) falls back to an unconditional write.
 */
export class VersionTrackingStorage implements Storage {
  private readonly versions = new WeakMap<object, { eTag: string; json: string }>();

  constructor(private readonly inner: DbStorage) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items = await this.inner.read(keys);
    for (const key of keys) {
      // BotState would substitute `{}` for a missing key; handing it our own object lets us track it.
      const item = (items[key] ?? {}) as { eTag?: string };
      items[key] = item;
      this.versions.set(item, { eTag: item.eTag ?? ETAG_ABSENT, json: snapshot(item) });
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) await this.writeItems(this.inner, { [key]: item });
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }

  /** The items among these state objects that changed since they were read (what a save must write). */
  changed(items: Record<string, object | undefined>): StoreItems {
    const out: StoreItems = {};
    for (const [key, item] of Object.entries(items)) {
      if (!item) continue;
      const known = this.versions.get(item);
      if (!known || known.json !== snapshot(item)) out[key] = item;
    }
    return out;
  }

  /** Writes with the versions read (through `storage`, e.g. one bound to a transaction). */
  async writeItems(storage: DbStorage, changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const object = item as { eTag?: string };
      const eTag = this.versions.get(object)?.eTag ?? object.eTag;
      const written = await storage.writeVersioned({ [key]: { ...object, eTag } });
      // A second save in the same turn must expect the version we just wrote.
      const version = written[key];
      if (version !== undefined) this.versions.set(object, { eTag: version, json: snapshot(object) });
    }
  }
}

function snapshot(item: object): string {
  const { eTag: _eTag, ...doc } = item as { eTag?: string };
  return JSON.stringify(doc);
}

export interface BotStates {
  conversationState: ConversationState;
  userState: UserState;
  /**
   * Saves what the turn changed in conversation and user state, and marks an inbound activity as
   * handled, in one transaction: either the turn counts (its state and its "seen") or nothing of it
   * does, so a resend after a crash runs the turn once. Resolves 'duplicate' (and writes nothing) when
   * another process handled the same inbound activity meanwhile.
   */
  commit(context: TurnContext, inboundKey?: string): Promise<'committed' | 'duplicate'>;
}

class DuplicateInbound extends Error {}

/** Conversation and user state on the database, with stale saves refused. */
export function createStates(db: Database): BotStates {
  const tracked = new VersionTrackingStorage(new DbStorage(db));
  const conversationState = new ConversationState(tracked);
  const userState = new UserState(tracked);
  const current = (
    state: BotState & { getStorageKey(context: TurnContext): string | undefined },
    context: TurnContext,
  ) => {
    const key = state.getStorageKey(context);
    return key ? { [key]: state.get(context) as object | undefined } : {};
  };
  return {
    conversationState,
    userState,
    async commit(context, inboundKey) {
      const changes = tracked.changed({
        ...current(conversationState, context),
        ...current(userState, context),
      });
      if (!inboundKey && Object.keys(changes).length === 0) return 'committed';
      try {
        await db.transaction(async (tx) => {
          if (inboundKey) {
            const { rows } = await tx.query(
              'insert into inbound_seen (key) values ($1) on conflict (key) do nothing returning key',
              [inboundKey],
            );
            if (rows.length === 0) throw new DuplicateInbound();
          }
          await tracked.writeItems(new DbStorage(tx), changes);
        });
      } catch (error) {
        if (error instanceof DuplicateInbound) return 'duplicate';
        throw error;
      }
      return 'committed';
    },
  };
}
