import { randomBytes } from 'node:crypto';
import { valueMatches } from '../../dialogs/input';
import type { ActionValue } from '../../dialogs/replies';
import type { Queryable } from '../../services/db/database';
import { DbStorage, isEtagConflict } from '../storage';

/**
 * The cards we sent to Teams that have buttons: which message (activity id) shows them, so a used card
 * can be updated in place, and whether it was used already, so a second press (a double click before
 * the update arrived, an old card scrolled back to) does not act twice. Kept in the bot state table
 * (botbuilder Storage with eTags, bot/storage.ts) under `teams/cards/<id>`: every process, bot or
 * worker, sees the same records, and the eTag makes "first press wins" atomic across processes.
 */

export interface SentCard {
  activityId: string;
  conversationId: string;
  /** What the "done" version shows: the card's headline ... */
  headline: string;
  /** ... and the label of the pressed choice, found among these. */
  choices: { label: string; value: ActionValue }[];
  sentAt: string;
  used?: { by: string; at: string; label?: string };
}

export type CardClaim =
  /** First press: act on it, and update the card to its done version. */
  | { status: 'first'; card: SentCard; label: string | undefined }
  /** The same press delivered again (Teams resends after 15 s): let the activity-id dedupe drop it. */
  | { status: 'redelivery' }
  /** Pressed before by another activity: ignore it. */
  | { status: 'used'; card: SentCard }
  /** Not a card we track (too old, or sent before tracking): handle the press normally. */
  | { status: 'unknown' };

const PREFIX = 'teams/cards/';

export function newCardId(): string {
  return randomBytes(12).toString('base64url');
}

export class CardStore {
  private readonly storage: DbStorage;

  constructor(db: Queryable) {
    this.storage = new DbStorage(db);
  }

  async remember(cardId: string, card: Omit<SentCard, 'sentAt' | 'used'>, now = new Date()): Promise<void> {
    await this.storage.write({ [PREFIX + cardId]: { ...card, sentAt: now.toISOString(), eTag: '*' } });
  }

  async get(cardId: string): Promise<SentCard | undefined> {
    const items = await this.storage.read([PREFIX + cardId]);
    const item = items[PREFIX + cardId] as (SentCard & { eTag?: string }) | undefined;
    if (!item) return undefined;
    const { eTag: _eTag, ...card } = item;
    return card;
  }

  /** Marks the card used by this press; exactly one press of a card gets 'first', in any process. */
  async claim(
    cardId: string,
    pressActivityId: string,
    pressed: ActionValue,
    now = new Date(),
  ): Promise<CardClaim> {
    if (!/^[\w-]{1,64}$/.test(cardId)) return { status: 'unknown' };
    const key = PREFIX + cardId;
    const items = await this.storage.read([key]);
    const item = items[key] as (SentCard & { eTag: string }) | undefined;
    if (!item) return { status: 'unknown' };
    const { eTag, ...card } = item;
    if (card.used)
      return card.used.by === pressActivityId ? { status: 'redelivery' } : { status: 'used', card };
    const label = card.choices.find((c) => valueMatches(c.value, pressed))?.label;
    const used = { by: pressActivityId, at: now.toISOString(), ...(label ? { label } : {}) };
    try {
      await this.storage.write({ [key]: { ...card, used, eTag } });
    } catch (error) {
      if (!isEtagConflict(error)) throw error;
      // Another process claimed it between our read and write: decide from what it wrote.
      const again = await this.get(cardId);
      return again?.used?.by === pressActivityId
        ? { status: 'redelivery' }
        : { status: 'used', card: again ?? card };
    }
    return { status: 'first', card: { ...card, used }, label };
  }
}

/** Forgets card records older than `days` (their buttons then act without the double-press guard). */
export async function pruneCards(db: Queryable, days = 30): Promise<number> {
  const { rowCount } = await db.query(
    `delete from bot_state where key like 'teams/cards/%' and updated_at < now() - make_interval(days => $1::int)`,
    [days],
  );
  return rowCount;
}
