import { loadConfig } from '../../platform/config';
import { BACKOFF_CAP_MS, backoffDelay } from '../../workers/queues';
import { RetryLaterError } from '../../workers/senders/types';

describe('job back-off', () => {
  const config = loadConfig({ JOB_BACKOFF_MS: '200' });

  it('doubles with each attempt, less up to 20% jitter', () => {
    for (let i = 0; i < 200; i++) {
      const waits = [1, 2, 3, 4].map((attemptsMade) => backoffDelay(config, attemptsMade));
      [200, 400, 800, 1600].forEach((full, n) => {
        expect(waits[n]).toBeGreaterThanOrEqual(full * 0.8);
        expect(waits[n]).toBeLessThanOrEqual(full);
      });
    }
  });

  it('is capped, and a provider asking to retry later is waited for as asked (also capped)', () => {
    expect(backoffDelay(config, 40)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
    expect(backoffDelay(config, 40)).toBeGreaterThanOrEqual(BACKOFF_CAP_MS * 0.8);
    expect(backoffDelay(config, 1, new RetryLaterError('throttled', 30_000))).toBe(30_000);
    expect(backoffDelay(config, 1, new RetryLaterError('throttled', 10 * BACKOFF_CAP_MS))).toBe(
      BACKOFF_CAP_MS,
    );
  });
});
