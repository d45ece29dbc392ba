import Dysmsapi, { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import * as OpenApi from '@alicloud/openapi-client';
import * as TeaUtil from '@alicloud/tea-util';
import type { Config } from '../../platform/config';
import { splitEndpoint } from './endpoint';
import { clip, templateId } from './sms-templates';
import type { OutboundMessage, SmsSender } from './types';
import { PermanentSendError, RetryLaterError } from './types';

/** Business-limit codes (per-number frequency control): worth retrying later, not at once. */
const THROTTLED = /BUSINESS_LIMIT_CONTROL|Throttling|DAY_LIMIT_CONTROL/;

/** Alibaba Cloud SMS (Dysmsapi 2017-05-25 SendSms, RPC style, through the official SDK). */
export class AliyunSmsSender implements SmsSender {
  readonly provider = 'aliyun';
  private readonly client: Dysmsapi;

  constructor(private readonly config: Config) {
    const { host, protocol } = splitEndpoint(config.SMS_ENDPOINT, 'dysmsapi.aliyuncs.com');
    const openApiConfig = new OpenApi.Config({
      accessKeyId: config.ALIYUN_ACCESS_KEY_ID,
      accessKeySecret: config.ALIYUN_ACCESS_KEY_SECRET,
      endpoint: host,
      protocol,
    });
    // dysmsapi 4.x declares openapi-core's Config; openapi-client's has the same fields at run time.
    this.client = new Dysmsapi(openApiConfig as unknown as ConstructorParameters<typeof Dysmsapi>[0]);
  }

  async send(phone: string, message: OutboundMessage): Promise<void> {
    const params = Object.fromEntries(
      Object.entries(message.sms.params).map(([k, v]) => [
        k,
        message.sms.template === 'notice' ? clip(v) : v,
      ]),
    );
    const request = new SendSmsRequest({
      phoneNumbers: phone.replace(/^\+86/, ''),
      signName: this.config.SMS_SIGN_NAME,
      templateCode: templateId(this.config, message.sms),
      templateParam: JSON.stringify(params),
      outId: message.key.slice(0, 256),
    });
    const runtime = new TeaUtil.RuntimeOptions({ readTimeout: 10_000, connectTimeout: 5000 });
    let code: string;
    try {
      const response = await this.client.sendSmsWithOptions(
        request,
        runtime as unknown as Parameters<Dysmsapi['sendSmsWithOptions']>[1],
      );
      code = response.body?.code ?? 'NoResponse';
    } catch (error) {
      const c = String((error as { code?: string }).code ?? '');
      if (THROTTLED.test(c)) throw new RetryLaterError(`Alibaba SMS throttled (${c})`, 60_000);
      throw new Error(`Alibaba SMS request failed (${c || (error as Error).message})`);
    }
    if (code === 'OK') return;
    if (THROTTLED.test(code)) throw new RetryLaterError(`Alibaba SMS throttled (${code})`, 60_000);
    throw new PermanentSendError(`Alibaba SMS refused the message (${code})`);
  }
}
