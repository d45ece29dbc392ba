import type { Migration } from '../migrate';
import { initial } from './001_initial';
import { accounts } from './002_accounts';
import { outboxNotify } from './003_outbox_notify';
import { reliability } from './004_reliability';

/** Every migration, in version order. A new one gets the next version and is added here. */
export const migrations: readonly Migration[] = [initial, accounts, outboxNotify, reliability];
