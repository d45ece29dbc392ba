import {
  type Activity,
  CallerIdConstants,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
// botbuilder's own auth package (an exact dependency of botbuilder 4.23.3, not re-exported by it).
import { type AuthenticateRequestResult, AuthenticationConstants } from 'botframework-connector';
import type { Config } from '../../platform/config';
import type { Logger } from '../../platform/logger';

/**
 * botbuilder's CloudAdapter for Teams, configured from our environment (S3):
 * - MicrosoftAppId / MicrosoftAppPassword / MicrosoftAppType / MicrosoftAppTenantId go to
 *   ConfigurationBotFrameworkAuthentication unchanged (its credential factory picks password or
 *   user-assigned managed identity, single or multi tenant). With an app id, every inbound request
 *   must carry a valid Bot Framework token; without one, botbuilder turns authentication off both ways.
 * - BOT_OPENID_METADATA_URL / BOT_TOKEN_ISSUER replace the public cloud's OpenID metadata document and
 *   token issuer (ToBotFromChannelOpenIdMetadataUrl / ToBotFromChannelTokenIssuer). Setting either
 *   makes botbuilder use the "parameterized" configuration, where every endpoint must be given: the
 *   others keep the public Azure values, so nothing but the two overrides changes.
 * Only this file and bot/teams know botbuilder's auth, so a move to the Microsoft 365 Agents SDK stays local.
 */

export function teamsAuthOptions(config: Config): ConfigurationBotFrameworkAuthenticationOptions {
  const options: ConfigurationBotFrameworkAuthenticationOptions = {};
  if (config.MicrosoftAppId) options.MicrosoftAppId = config.MicrosoftAppId;
  if (config.MicrosoftAppPassword) options.MicrosoftAppPassword = config.MicrosoftAppPassword;
  if (config.MicrosoftAppType) options.MicrosoftAppType = config.MicrosoftAppType;
  if (config.MicrosoftAppTenantId) options.MicrosoftAppTenantId = config.MicrosoftAppTenantId;
  if (config.BOT_OPENID_METADATA_URL || config.BOT_TOKEN_ISSUER) {
    Object.assign(options, {
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer:
        config.BOT_TOKEN_ISSUER ?? AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl:
        config.BOT_OPENID_METADATA_URL ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
    });
  }
  return options;
}

/** CloudAdapter with the two steps of a request exposed, so the endpoint can answer 401 before any work. */
export class TeamsAdapter extends CloudAdapter {
  constructor(
    /** '' when authentication is off (local use). */
    readonly appId: string,
    readonly authenticated: boolean,
    options: ConfigurationBotFrameworkAuthenticationOptions,
  ) {
    super(new ConfigurationBotFrameworkAuthentication(options));
  }

  /** Validates the request's token for this activity (throws AuthenticationError or a JWT error). */
  authenticate(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
  }

  /** Runs the turn of an authenticated activity (replies go to its serviceUrl with our credentials). */
  runTurn(
    auth: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(auth, activity, logic);
  }

  /** A proactive turn on a stored reference, with the app's credentials alone (bot or worker process). */
  continueWith(
    reference: Parameters<CloudAdapter['continueConversationAsync']>[1],
    logic: (context: TurnContext) => Promise<void>,
  ) {
    return this.continueConversationAsync(this.appId, reference, logic);
  }
}

export function createTeamsAdapter(config: Config, logger: Logger): TeamsAdapter {
  const appId = config.MicrosoftAppId ?? '';
  const adapter = new TeamsAdapter(appId, appId !== '', teamsAuthOptions(config));
  // Our turn pipeline catches and apologizes; anything reaching here is logged, never sent to the user raw.
  adapter.onTurnError = async (_context, error) => {
    logger.error({ err: error }, 'teams: unhandled turn error');
  };
  return adapter;
}
