import { Writable } from 'node:stream';
import { createLogger } from '../../platform/logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

describe('logging', () => {
  it('redacts passwords, codes, tokens and secrets wherever they sit', () => {
    const { logger, text } = capture();
    logger.info(
      {
        password: 'hunter2-pass',
        body: { newPassword: 'n3w-Passw0rd', code: '493021' },
        job: { data: { secret: { code: '118822' } } },
        token: 'hd_abcdefgh',
        headers: { authorization: 'Bearer hd_xyz' },
        ticket: 'T20261124-0001',
      },
      'something happened',
    );
    const out = text();
    for (const secret of ['hunter2-pass', 'n3w-Passw0rd', '493021', '118822', 'hd_abcdefgh', 'hd_xyz']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('T20261124-0001');
    expect(out).toContain('[redacted]');
  });

  it('logs request paths without their query strings (one-time tokens ride there)', () => {
    const { logger, text } = capture();
    logger.info({ req: { id: 'r1', method: 'GET', url: '/auth/sign-in?token=secret-one-time' } }, 'request');
    expect(text()).toContain('/auth/sign-in');
    expect(text()).not.toContain('secret-one-time');
  });
});
