/**
 * `npm run bench`: every benchmark, one after the other (they share the machine's two cores, so never
 * at once), each in its own process so one's memory and connections cannot skew the next.
 * Each writes its figures to bench/results/<name>.json and prints a table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const BENCHMARKS = ['queue', 'notifications'];

let failed = 0;
for (const name of BENCHMARKS) {
  const script = join(__dirname, `${name}.js`);
  if (!existsSync(script)) {
    process.stderr.write(`bench ${name}: ${script} is missing (run npm run build)\n`);
    failed += 1;
    continue;
  }
  process.stdout.write(`\n=== bench: ${name}\n`);
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    process.stderr.write(`bench ${name} failed (exit ${result.status})\n`);
    failed += 1;
  }
}
process.exitCode = failed === 0 ? 0 : 1;
