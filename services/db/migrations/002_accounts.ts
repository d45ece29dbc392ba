import type { Migration } from '../migrate';

/**
 * Indexes for the account, sign-in and staff-token lookups that 001 does not cover: a contact
 * change confirmed by account, bindings falling back when an identity is unbound, and the foreign
 * keys that cascade on account or staff deletion (web tokens, staff tokens).
 */
export const accounts: Migration = {
  version: 2,
  name: 'accounts',
  sql: `
create index verification_codes_account on verification_codes (account_id, purpose, created_at desc)
  where account_id is not null;
create index web_tokens_account on web_tokens (account_id) where account_id is not null;
create index chat_bindings_identity on chat_bindings (active_identity_id) where active_identity_id is not null;
create index staff_tokens_staff on staff_tokens (staff_id);
`,
};
