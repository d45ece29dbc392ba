import type { Migration } from '../migrate';

/**
 * Every transaction that writes outbox rows sends one NOTIFY on channel `outbox` when it commits,
 * so the relay dispatches at once instead of at its next poll. The trigger is per statement (one
 * notification per insert statement, not per row) and Postgres folds identical notifications of one
 * transaction into one.
 */
export const outboxNotify: Migration = {
  version: 3,
  name: 'outbox_notify',
  sql: `
create function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('outbox', '');
  return null;
end
$$;
create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify();
`,
};
