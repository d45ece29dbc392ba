import type { TurnContext } from 'botbuilder';
import { t } from '../i18n';
import type { CustomerActor } from '../services/contracts';
import { isDomainError } from '../services/errors';
import type { DialogDeps } from './flow';
import { toActivity } from './say';
import { turnInfo } from './turn';

/** What the bot remembers per chat user (user state): the language chosen, the identity last acted as. */
export interface UserProfile {
  locale?: string;
  identityId?: string;
}

/** Thrown when a ticket request comes from a chat user who is not signed in: answered with the sign-in offer. */
export class NeedsSignIn extends Error {
  constructor() {
    super('sign-in required');
  }
}

/** Thrown when the signed-in account still has its initial password: answered with the change-password link. */
export class NeedsPasswordChange extends Error {
  constructor() {
    super('password change required');
  }
}

/** Thrown when the chat user has no usable identity (several and none picked, or the active one was unbound). */
export class NeedsIdentity extends Error {
  constructor(readonly unbound: boolean) {
    super('identity required');
  }
}

/**
 * The acting identity of this chat user, checked on every request (never cached across turns): staff
 * may unbind an identity or revoke a binding at any moment. A silent fall-back to another identity is
 * told to the user, so data never changes scope without a word.
 */
export async function actorFor(deps: DialogDeps, context: TurnContext): Promise<CustomerActor> {
  const info = turnInfo(context);
  let actor: CustomerActor;
  try {
    actor = await deps.services.bindings.actor(info.channel, info.chatUserId);
  } catch (error) {
    if (isDomainError(error, 'unauthenticated')) throw new NeedsSignIn();
    if (isDomainError(error) && error.code === 'password_change_required') throw new NeedsPasswordChange();
    if (isDomainError(error, 'forbidden') || (isDomainError(error) && error.code === 'identity_required')) {
      const unbound = info.profile.identityId !== undefined;
      delete info.profile.identityId;
      throw new NeedsIdentity(unbound);
    }
    throw error;
  }
  const known = info.profile.identityId;
  if (known && known !== actor.identityId) {
    const identity = await deps.services.identities.get(actor.identityId);
    await context.sendActivity(
      toActivity(
        { kind: 'text', text: t(info.locale, 'identity.fell_back', { name: identityName(identity) }) },
        info.locale,
      ),
    );
  }
  info.profile.identityId = actor.identityId;
  return actor;
}

export function identityName(identity: { organizationName: string; displayName: string }): string {
  return `${identity.organizationName} · ${identity.displayName}`;
}

/** A button label (<= 20 characters) that still tells identities of different organizations apart. */
export function identityLabel(identity: { organizationName: string; displayName: string }): string {
  const org = identity.organizationName;
  return `${org.length > 8 ? `${org.slice(0, 7)}…` : org}·${identity.displayName}`;
}
