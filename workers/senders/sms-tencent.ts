import * as tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import type { Config } from '../../platform/config';
import { splitEndpoint } from './endpoint';
import { clip, templateId } from './sms-templates';
import type { OutboundMessage, SmsSender } from './types';
import { PermanentSendError, RetryLaterError } from './types';

const SmsClient = tencentcloud.sms.v20210111.Client;
type Client = InstanceType<typeof SmsClient>;

/** Error codes that retrying later can fix (frequency limits); others in the status set are final. */
const THROTTLED = /^LimitExceeded\.|RequestLimitExceeded/;

/** Tencent Cloud SMS (API 3.0 SendSms, signed TC3-HMAC-SHA256 by the official SDK). */
export class TencentSmsSender implements SmsSender {
  readonly provider = 'tencent';
  private readonly client: Client;

  constructor(private readonly config: Config) {
    const { host, protocol } = splitEndpoint(config.SMS_ENDPOINT, 'sms.tencentcloudapi.com');
    this.client = new SmsClient({
      credential: { secretId: config.TENCENT_SECRET_ID, secretKey: config.TENCENT_SECRET_KEY },
      region: config.TENCENT_SMS_REGION,
      profile: { httpProfile: { endpoint: host, protocol: `${protocol}://`, reqTimeout: 10 } },
    });
  }

  async send(phone: string, message: OutboundMessage): Promise<void> {
    const values = Object.values(message.sms.params).map((v) =>
      message.sms.template === 'notice' ? clip(v) : v,
    );
    let response: Awaited<ReturnType<Client['SendSms']>>;
    try {
      response = await this.client.SendSms({
        SmsSdkAppId: this.config.TENCENT_SMS_SDK_APP_ID!,
        SignName: this.config.SMS_SIGN_NAME,
        TemplateId: templateId(this.config, message.sms),
        TemplateParamSet: values,
        PhoneNumberSet: [phone],
        // Comes back in delivery receipts: ties a receipt to our delivery key.
        SessionContext: message.key.slice(0, 512),
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (THROTTLED.test(code)) throw new RetryLaterError(`Tencent SMS throttled (${code})`, 60_000);
      if (/^(InvalidParameter|FailedOperation\.(Template|Sign)|UnauthorizedOperation)/.test(code)) {
        throw new PermanentSendError(`Tencent SMS rejected the request (${code})`);
      }
      throw new Error(`Tencent SMS request failed (${code || (error as Error).message})`);
    }
    const status = response.SendStatusSet?.[0];
    if (!status || status.Code === 'Ok') return;
    if (THROTTLED.test(status.Code ?? ''))
      throw new RetryLaterError(`Tencent SMS throttled (${status.Code})`, 60_000);
    throw new PermanentSendError(`Tencent SMS refused the message (${status.Code})`);
  }
}
