import type { Activity } from 'botbuilder';

/**
 * Teams' install and uninstall signals, translated into what the bot core expects.
 *
 * Installing the app in a personal chat sends a conversationUpdate whose membersAdded holds only the
 * bot (and an installationUpdate "add"). The bot core welcomes members other than the bot, so the
 * channel adds the installing user to membersAdded: the dialogs then send the welcome with the
 * sign-in offer to that user, like in any other channel.
 *
 * Uninstalling (installationUpdate "remove", or the bot removed from the conversation) means the stored
 * conversation reference no longer works: the binding is marked unreachable and workers fall back to
 * SMS/email (the next message from the user makes it reachable again).
 */

export function isPersonal(activity: Partial<Activity>): boolean {
  const type = activity.conversation?.conversationType;
  return type === 'personal' || (type === undefined && activity.conversation?.isGroup !== true);
}

export function isUninstall(activity: Partial<Activity>): boolean {
  if (activity.type === 'installationUpdate') {
    return activity.action === 'remove' || activity.action === 'remove-upgrade';
  }
  if (activity.type === 'conversationUpdate') {
    const botId = activity.recipient?.id;
    return (activity.membersRemoved ?? []).some((m) => m.id === botId);
  }
  return false;
}

/** The personal-chat install, with the user added as the member that joined (see above). In place. */
export function normalizeInstall(activity: Activity): void {
  if (activity.type !== 'conversationUpdate' || !isPersonal(activity)) return;
  const botId = activity.recipient?.id;
  const added = activity.membersAdded ?? [];
  const user = activity.from;
  if (!user?.id || user.id === botId) return;
  if (added.some((m) => m.id === botId) && !added.some((m) => m.id !== botId)) {
    activity.membersAdded = [...added, { id: user.id, name: user.name, aadObjectId: user.aadObjectId }];
  }
}
