import { spawn } from 'node:child_process';
import path from 'node:path';

const REDIS_MODULE = path.resolve(__dirname, '../../platform/redis.ts');

/** Runs `code` (CommonJS, TypeScript modules through tsx) in a fresh Node process; resolves with its output. */
function runNode(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`exit ${code}: ${output}`)),
    );
  });
}

describe('closing Redis connections', () => {
  it('leaves nothing that keeps the process alive when Redis is down (no 2 s disconnect timer)', async () => {
    // Port 1: nothing listens, the connection is refused and the client waits to retry.
    const output = await runNode(`
      const { checkRedis, closeRedis, createRedis } = require(${JSON.stringify(REDIS_MODULE)});
      (async () => {
        const client = createRedis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1 });
        client.on('error', () => undefined);
        await client.ping().catch(() => undefined);
        const status = client.status;
        await closeRedis(client);
        const unreachable = await checkRedis('redis://127.0.0.1:1', 1000).then(() => 'reached', (e) => e.name);
        // What is still open besides the stdout and stderr pipes.
        setImmediate(() =>
          console.log(JSON.stringify({ status, unreachable, resources: process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap') })),
        );
      })();
    `);
    expect(JSON.parse(output)).toEqual({
      status: 'reconnecting',
      unreachable: 'RedisUnreachableError',
      resources: [],
    });
  });
});
