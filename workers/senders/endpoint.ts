/**
 * SMS_ENDPOINT may be a bare host ("sms.tencentcloudapi.com") or a URL ("http://127.0.0.1:4010" for a
 * local fake or a proxy). The SDKs take the host and the protocol separately.
 */
export function splitEndpoint(
  value: string | undefined,
  fallbackHost: string,
): { host: string; protocol: 'http' | 'https' } {
  if (!value) return { host: fallbackHost, protocol: 'https' };
  if (/^https?:\/\//i.test(value)) {
    const url = new URL(value);
    return { host: url.host, protocol: url.protocol === 'http:' ? 'http' : 'https' };
  }
  return { host: value.replace(/\/+$/, ''), protocol: 'https' };
}
