import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../dialogs/errors';
import { formatDateTime, hasMessage, registeredAreas, resolveLocale, t } from '../../i18n';
import { DomainError, notFound, rateLimited } from '../../services/errors';

describe('i18n', () => {
  it('every area has the same keys in zh-CN and en-US, and the same placeholders', () => {
    for (const [area, pair] of registeredAreas()) {
      const zh = Object.keys(pair['zh-CN']).sort();
      const en = Object.keys(pair['en-US']).sort();
      expect({ area, keys: en }).toEqual({ area, keys: zh });
      for (const key of zh) {
        const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
        expect({ key, params: names(pair['en-US'][key]!) }).toEqual({
          key,
          params: names(pair['zh-CN'][key]!),
        });
      }
    }
  });

  it('every literal key the dialogs use exists', () => {
    const dir = path.join(__dirname, '../../dialogs');
    const missing: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      for (const match of source.matchAll(/\bt\([^,()]+, '([a-z_]+(?:\.[a-z0-9_]+)+)'/g)) {
        if (!hasMessage(match[1]!)) missing.push(`${file}: ${match[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('resolves locales, fills placeholders, falls back visibly', () => {
    expect(resolveLocale('en-GB')).toBe('en-US');
    expect(resolveLocale('zh_TW')).toBe('zh-CN');
    expect(resolveLocale(undefined)).toBe('zh-CN');
    expect(resolveLocale('fr-FR')).toBe('zh-CN');
    expect(t('en-US', 'details.queue_position', { waiting: 7, position: 3 })).toBe(
      '7 ticket(s) are waiting; you are number 3.',
    );
    expect(t('zh-CN', 'details.queue_position', { waiting: 7, position: 3 })).toBe(
      '当前共有7张工单等待受理，您排在第3位。',
    );
    expect(t('zh-CN', 'no.such.key')).toBe('no.such.key');
  });

  it('formats dates in Asia/Shanghai for both locales', () => {
    const at = new Date('2026-11-24T01:30:00Z');
    expect(formatDateTime('zh-CN', at)).toBe('2026/11/24 09:30');
    expect(formatDateTime('en-US', at)).toBe('Nov 24, 2026, 09:30');
  });

  it('maps every DomainError to one clear message per locale', () => {
    const wrong = new DomainError('unauthenticated', 'wrong_code', 'x', { remainingAttempts: 2 });
    expect(errorMessage('zh-CN', wrong)).toBe('验证码不正确，还可以再试2次。');
    expect(errorMessage('en-US', wrong)).toBe('Wrong code. 2 attempt(s) left.');
    expect(
      errorMessage('zh-CN', new DomainError('unauthenticated', 'wrong_code', 'x', { remainingAttempts: 0 })),
    ).toContain('尝试次数已用完');
    expect(errorMessage('en-US', rateLimited('code_rate_limited', 90))).toBe(
      'Codes were requested too often. Please try again in 2 minute(s).',
    );
    expect(errorMessage('zh-CN', notFound('ticket'))).toBe('没有找到该工单，请检查工单编号。');
    expect(errorMessage('en-US', new DomainError('conflict', 'something_new', 'x'))).toBe(
      t('en-US', 'error.kind.conflict'),
    );
    expect(errorMessage('zh-CN', new Error('db down: password=secret'))).toBe(
      '抱歉，系统开小差了，请稍后再试。',
    );
  });
});
