import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One SendSms call as the fake provider received it. */
export interface SmsRequest {
  provider: 'tencent' | 'aliyun';
  action: string;
  phone: string;
  sign: string;
  template: string;
  /** Tencent: TemplateParamSet (positional); Alibaba: TemplateParam (by name). */
  params: string[] | Record<string, string>;
  /** Tencent SessionContext / Alibaba OutId: our delivery key. */
  context: string;
  headers: http.IncomingHttpHeaders;
  /** Whether the request carried the provider's signature header (not verified). */
  signed: boolean;
}

export type SmsFailure = 'http500' | 'throttled' | 'rejected';

export interface FakeSms {
  /** http://127.0.0.1:<port>: put it in SMS_ENDPOINT. */
  url: string;
  /** Accepted messages only (what a phone would receive). */
  requests: SmsRequest[];
  /** Every call, including refused ones. */
  calls: number;
  failNext(n: number, failure: SmsFailure): void;
  waitFor(count: number, timeoutMs?: number): Promise<SmsRequest[]>;
  close(): Promise<void>;
}

/**
 * A local HTTP fake of both SMS providers' SendSms:
 * - Tencent Cloud API 3.0: POST JSON, action in the X-TC-Action header, TC3-HMAC-SHA256 Authorization;
 *   answers { Response: { SendStatusSet: [...], RequestId } }.
 * - Alibaba Cloud Dysmsapi (RPC style): POST with the parameters in the query string, action in the
 *   x-acs-action header (or the Action parameter); answers { Code: 'OK', BizId, RequestId }.
 * Signatures are recorded as present, not verified.
 */
export async function startFakeSms(): Promise<FakeSms> {
  const requests: SmsRequest[] = [];
  let failures: { left: number; failure: SmsFailure } = { left: 0, failure: 'http500' };
  const fake = {
    calls: 0,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      fake.calls += 1;
      const body = Buffer.concat(chunks).toString('utf8');
      const tencentAction = req.headers['x-tc-action'];
      const url = new URL(req.url ?? '/', 'http://fake');
      const form = new URLSearchParams(body);
      const get = (name: string) => url.searchParams.get(name) ?? form.get(name) ?? '';
      let failure: SmsFailure | undefined;
      if (failures.left > 0) {
        failures.left -= 1;
        failure = failures.failure;
      }
      res.setHeader('content-type', 'application/json');
      if (failure === 'http500') {
        res.statusCode = 500;
        res.end('{"message":"fake outage"}');
        return;
      }
      if (typeof tencentAction === 'string') {
        const json = JSON.parse(body || '{}') as Record<string, unknown>;
        const phone = ((json.PhoneNumberSet as string[]) ?? [])[0] ?? '';
        const code =
          failure === 'throttled'
            ? 'LimitExceeded.PhoneNumberThirtySecondLimit'
            : failure === 'rejected'
              ? 'FailedOperation.TemplateIncorrectOrUnapproved'
              : 'Ok';
        if (code === 'Ok') {
          requests.push({
            provider: 'tencent',
            action: tencentAction,
            phone,
            sign: String(json.SignName ?? ''),
            template: String(json.TemplateId ?? ''),
            params: (json.TemplateParamSet as string[]) ?? [],
            context: String(json.SessionContext ?? ''),
            headers: req.headers,
            signed: String(req.headers.authorization ?? '').startsWith('TC3-HMAC-SHA256'),
          });
        }
        res.end(
          JSON.stringify({
            Response: {
              SendStatusSet: [
                {
                  SerialNo: randomUUID(),
                  PhoneNumber: phone,
                  Fee: 1,
                  SessionContext: json.SessionContext ?? '',
                  Code: code,
                  Message: code,
                  IsoCode: 'CN',
                },
              ],
              RequestId: randomUUID(),
            },
          }),
        );
        return;
      }
      const action = String(req.headers['x-acs-action'] ?? get('Action'));
      const code =
        failure === 'throttled'
          ? 'isv.BUSINESS_LIMIT_CONTROL'
          : failure === 'rejected'
            ? 'isv.SMS_TEMPLATE_ILLEGAL'
            : 'OK';
      if (code === 'OK') {
        requests.push({
          provider: 'aliyun',
          action,
          phone: get('PhoneNumbers'),
          sign: get('SignName'),
          template: get('TemplateCode'),
          params: JSON.parse(get('TemplateParam') || '{}') as Record<string, string>,
          context: get('OutId'),
          headers: req.headers,
          signed: Boolean(req.headers.authorization ?? get('Signature')),
        });
      }
      res.end(JSON.stringify({ Code: code, Message: code, BizId: randomUUID(), RequestId: randomUUID() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get calls() {
      return fake.calls;
    },
    failNext(n, failure) {
      failures = { left: n, failure };
    },
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline)
          throw new Error(`fake SMS: ${requests.length} of ${count} messages arrived`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What the Tencent Cloud SMS sender needs to talk to this fake (templates 100001 credentials, 100002 code, 100003 notice). */
export function tencentEnv(fake: Pick<FakeSms, 'url'>): Record<string, string> {
  return {
    SMS_PROVIDER: 'tencent',
    SMS_ENDPOINT: fake.url,
    TENCENT_SECRET_ID: 'AKIDtest',
    TENCENT_SECRET_KEY: 'tencent-secret-key-test',
    TENCENT_SMS_SDK_APP_ID: '1400000000',
    SMS_SIGN_NAME: '客服中心',
    SMS_TEMPLATE_CREDENTIALS: '100001',
    SMS_TEMPLATE_CODE: '100002',
    SMS_TEMPLATE_NOTICE: '100003',
  };
}
