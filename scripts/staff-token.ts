import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../platform/config';
import { createServices } from '../services';
import type { StaffActor } from '../services/contracts';
import type { Database } from '../services/db/database';
import { openDatabase } from '../services/db/open';
import { isDomainError } from '../services/errors';

export const USAGE = `Usage:
  npm run staff:token -- --staff <staff id> [--label <text>]
      Issues a new staff API token for that staff member and prints it (once: only its hash is kept).
  npm run staff:token -- --create-admin "<name>" [--label <text>]
      On a system without any admin: creates the first admin and prints a token for them.
      Afterwards, manage staff and tokens through the staff API (/api/docs).
  npm run staff:token -- --help

The token is the only thing written to standard output, so scripts can capture it:
  TOKEN=$(npm run -s staff:token -- --staff <id>)
Use it as "Authorization: Bearer <token>" against /api/v1.

Reads DATABASE_URL (or DATA_DIR for the embedded database) like the server. With the embedded
database, stop the server first: its files are used by one process at a time.
Run \`npm run build\` first: the script runs from dist/.`;

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export class UsageError extends Error {}

type Command =
  | { kind: 'help' }
  | { kind: 'staff'; staffId: string; label: string }
  | { kind: 'create-admin'; name: string; label: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseCommand(argv: string[]): Command {
  let values: { staff?: string; 'create-admin'?: string; label?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        staff: { type: 'string' },
        'create-admin': { type: 'string' },
        label: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  const label = values.label?.trim() ?? 'cli';
  if (label.length > 100) throw new UsageError('--label is at most 100 characters');
  if (values.staff !== undefined && values['create-admin'] !== undefined) {
    throw new UsageError('use either --staff or --create-admin, not both');
  }
  if (values.staff !== undefined) {
    if (!UUID.test(values.staff.trim()))
      throw new UsageError(`--staff needs a staff id (a UUID), got "${values.staff.slice(0, 60)}"`);
    return { kind: 'staff', staffId: values.staff.trim(), label };
  }
  if (values['create-admin'] !== undefined) {
    const name = values['create-admin'].trim();
    if (!name)
      throw new UsageError('--create-admin needs the admin\'s name, e.g. --create-admin "Wang Fang"');
    return { kind: 'create-admin', name, label };
  }
  throw new UsageError('say which staff member: --staff <id>, or --create-admin "<name>" on a new system');
}

/**
 * Runs one command against a database; returns the exit code (0 done, 1 refused, 2 usage).
 * Messages go to `err`; only the token goes to `out`.
 */
export async function runStaffToken(
  argv: string[],
  db: () => Promise<Database>,
  io: Output,
  now = () => new Date(),
): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`staff:token: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const database = await db();
  try {
    const services = createServices(database, {
      categories: [],
      ratingWindowDays: 7,
      ratingReminderHours: 24,
      now,
    });
    let staffId: string;
    let name: string;
    if (command.kind === 'create-admin') {
      const admins = (await services.staff.list()).filter((s) => s.role === 'admin');
      if (admins.length > 0) {
        io.err(
          `staff:token: this system already has an admin (${admins.map((a) => `${a.name} ${a.id}`).join(', ')}).\n` +
            'Ask an admin for a token, or issue one with --staff <id>.\n',
        );
        return 1;
      }
      // Bootstrapping: no admin exists to act, so the CLI (which holds the database) acts as one.
      const bootstrap: StaffActor = { staffId: '00000000-0000-0000-0000-000000000000', role: 'admin' };
      const admin = await services.staff.create(bootstrap, {
        name: command.name,
        email: null,
        phone: null,
        role: 'admin',
        wecomUserId: null,
        teamsUserId: null,
        alertNewTicket: true,
        alertRating: true,
      });
      staffId = admin.id;
      name = admin.name;
      io.err(`Created admin ${admin.name} (${admin.id}).\n`);
    } else {
      const member = await services.staff.get(command.staffId);
      staffId = member.id;
      name = member.name;
    }
    const { id, token } = await services.staff.issueToken('system', staffId, command.label);
    io.err(`Token ${id} for ${name} (label "${command.label}"). Shown once; keep it secret.\n`);
    io.out(`${token}\n`);
    return 0;
  } catch (error) {
    if (isDomainError(error, 'not_found')) {
      io.err(`staff:token: no staff member with id ${command.kind === 'staff' ? command.staffId : ''}\n`);
      return 1;
    }
    if (isDomainError(error)) {
      io.err(`staff:token: ${error.message} (${error.code})\n`);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  const io: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  const open = async () => {
    const config = loadConfig();
    return openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  };
  runStaffToken(process.argv.slice(2), open, io)
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      const message =
        error instanceof ConfigError
          ? `configuration: ${error.problems.join('; ')}`
          : (error as Error).message;
      process.stderr.write(`staff:token: ${message}\n`);
      process.exitCode = 1;
    });
}
