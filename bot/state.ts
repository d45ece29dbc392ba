import { ConversationState, type Storage, type StoreItems, UserState } from 'botbuilder';
import { type DbStorage, ETAG_ABSENT } from './storage';

/**
 * botbuilder's BotState.saveChanges always writes with eTag '*', so two turns of one conversation
 * running in two processes would silently overwrite each other. This view over DbStorage remembers the
 * version each state object was read at (keyed by the object itself, so concurrent turns never mix)
 * and writes with that version instead: a stale save fails with StorageEtagConflictError.
 * A key read as missing is written "must not exist yet". Only an object BotState made up itself
 * (after `clear`) falls back to an unconditional write.
 */
export class VersionTrackingStorage implements Storage {
  private readonly versions = new WeakMap<object, string>();

  constructor(private readonly inner: DbStorage) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items = await this.inner.read(keys);
    for (const key of keys) {
      // BotState would substitute `{}` for a missing key; handing it our own object lets us track it.
      const item = (items[key] ?? {}) as { eTag?: string };
      items[key] = item;
      this.versions.set(item, item.eTag ?? ETAG_ABSENT);
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const object = item as { eTag?: string };
      const eTag = this.versions.get(object) ?? object.eTag;
      const written = await this.inner.writeVersioned({ [key]: { ...object, eTag } });
      // A second save in the same turn must expect the version we just wrote.
      const version = written[key];
      if (version !== undefined) this.versions.set(object, version);
    }
  }

  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys);
  }
}

export interface BotStates {
  conversationState: ConversationState;
  userState: UserState;
}

/** Conversation and user state on the database, with stale saves refused. */
export function createStates(storage: DbStorage): BotStates {
  const tracked = new VersionTrackingStorage(storage);
  return { conversationState: new ConversationState(tracked), userState: new UserState(tracked) };
}
