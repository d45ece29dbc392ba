import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the real entry point (`app/main.ts`, as `npm start` does after building) in a child process. */
function start(command: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts', command], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return { child, output: () => output };
}

function exited(child: ChildProcess, timeoutMs = 30_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('process did not exit in time'));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('starting the product', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-start-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  // A cold start compiles the TypeScript (tsx) and boots the embedded database: 6 s on an idle machine,
  // 25 s next to the other test workers, over 60 s on a loaded one. The timeout leaves room for each wait.
  it('serves /healthz and /readyz on the embedded default, seeds demo data, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const run = start('all', { PORT: String(port), DATA_DIR: dataDir, REDIS_PREFIX: `start${port}` });
    try {
      const health = await waitFor(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
      expect(body.checks.filter((c) => c.ok).map((c) => c.name)).toEqual(
        expect.arrayContaining(['database', 'redis']),
      );
      // The demo seed announces where to chat and how to sign in.
      const deadline = Date.now() + 40_000;
      while (!run.output().includes('/chat') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(run.output()).toContain(`/chat`);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await exited(run.child)).toBe(0);
  }, 150_000);

  it('says how to fix an unreachable Redis instead of printing a stack trace', async () => {
    const closedPort = await freePort();
    const run = start('all', { PORT: '0', DATA_DIR: dataDir, REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    expect(await exited(run.child)).toBe(1);
    expect(run.output()).toContain(`Redis is not reachable at redis://127.0.0.1:${closedPort}`);
    expect(run.output()).toContain('redis-server');
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('stops with a one-line reason on a bad DATABASE_URL', async () => {
    const run = start('server', { DATA_DIR: dataDir, DATABASE_URL: 'mysql://localhost/helpdesk' });
    expect(await exited(run.child)).toBe(1);
    expect(run.output().trim()).toBe(
      'Configuration error: DATABASE_URL must be a URL starting with postgres:// or postgresql://',
    );
  });

  it('stops with a clear reason when the database server is unreachable', async () => {
    const closedPort = await freePort();
    const run = start('server', { DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/helpdesk` });
    expect(await exited(run.child)).toBe(1);
    expect(run.output()).toContain('Database is not reachable');
    expect(run.output()).not.toMatch(/\n\s+at /);
  });

  it('stops with a one-line reason when an enabled channel misses a setting', async () => {
    const run = start('server', { DATA_DIR: dataDir, CHANNELS: 'web,wecom', WECOM_CORP_ID: 'ww0123' });
    expect(await exited(run.child)).toBe(1);
    const lines = run.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('WECOM_AGENT_ID is required when CHANNELS includes wecom');
  });

  it('prints its usage for an unknown command', async () => {
    const run = start('frobnicate', {});
    expect(await exited(run.child)).toBe(2);
    expect(run.output()).toContain('Usage: node dist/app/main.js <command>');
  });
});
