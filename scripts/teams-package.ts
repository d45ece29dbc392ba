import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import JSZip from 'jszip';
import { type Config, ConfigError, loadConfig } from '../platform/config';

/**
 * `npm run teams:package`: the Teams app package (dist/teams-app.zip) an operator uploads in Teams
 * (Apps > Manage your apps > Upload an app) or in the Teams admin center. It holds manifest.json
 * (schema v1.17: the bot with our MicrosoftAppId, personal and team scopes, validDomains from
 * PUBLIC_BASE_URL) and the two icons Teams requires, drawn here as PNGs: color 192x192 and outline
 * 32x32 (white on transparent).
 *
 * Options: --out <file> (default dist/teams-app.zip), --name <short name>, --developer <name>,
 * --version <x.y.z> (bump it for every upload of a changed package).
 */

export const MANIFEST_VERSION = '1.17';
const ACCENT = { r: 0x1f, g: 0x6f, b: 0xeb };

export interface PackageOptions {
  name?: string;
  developer?: string;
  version?: string;
}

/** The problems that stop a package from being valid (said before anything is written). */
export function packageProblems(config: Config): string[] {
  const problems: string[] = [];
  if (!config.MicrosoftAppId) problems.push('MicrosoftAppId is required: it is the bot id in the manifest');
  else if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(config.MicrosoftAppId)) {
    problems.push('MicrosoftAppId must be the GUID of the Azure Bot registration (Microsoft App ID)');
  }
  if (!config.PUBLIC_BASE_URL)
    problems.push('PUBLIC_BASE_URL is required: the https address Teams reaches the bot at');
  else if (!config.PUBLIC_BASE_URL.startsWith('https://'))
    problems.push('PUBLIC_BASE_URL must start with https://');
  return problems;
}

export function buildManifest(config: Config, options: PackageOptions = {}): Record<string, unknown> {
  const base = new URL(config.PUBLIC_BASE_URL ?? 'https://localhost');
  const appId = config.MicrosoftAppId ?? '';
  const site = `${base.origin}/`;
  const short = (options.name ?? '客服助手 Helpdesk').slice(0, 30);
  return {
    $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
    manifestVersion: MANIFEST_VERSION,
    version: options.version ?? '1.0.0',
    // The Teams app id may equal the bot's app id: one registration, one id to look up.
    id: appId,
    developer: {
      name: (options.developer ?? 'Helpdesk').slice(0, 32),
      websiteUrl: site,
      privacyUrl: site,
      termsOfUseUrl: site,
    },
    name: { short, full: '客服助手：提交与跟踪工单 / Helpdesk: file and follow tickets' },
    description: {
      short: '在 Teams 中提交、查询和评价客服工单 / File and follow tickets',
      full:
        '登录后即可在 Teams 中新建工单、查看处理进度与排队位置、补充说明并评价服务；客服人员可在团队频道收到新工单和评价提醒并直接受理。\n' +
        'Sign in to file tickets, follow their progress and queue position, add details and rate the service, right here in Teams. ' +
        'Staff receive new-ticket and rating alerts in a team channel and accept tickets from there.',
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: `#${[ACCENT.r, ACCENT.g, ACCENT.b]
      .map((c) => c.toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase()}`,
    bots: [
      {
        botId: appId,
        scopes: ['personal', 'team'],
        supportsFiles: true,
        isNotificationOnly: false,
        commandLists: [
          {
            scopes: ['personal'],
            commands: [
              { title: '菜单', description: '首页与常用操作 / Home and menu' },
              { title: '新建工单', description: '提交一个新工单 / File a new ticket' },
              { title: '我的工单', description: '查看我提交的工单 / My tickets' },
              { title: 'help', description: 'Help / 帮助' },
            ],
          },
        ],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [base.host],
  };
}

// ---------------------------------------------------------------- icons (PNG, RGBA, drawn in code)

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A truecolour-with-alpha PNG of `size` x `size`; `pixel(x, y)` gives [r, g, b, a]. */
export function png(size: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A speech bubble (rounded box with a tail) in a unit square: inside, on its outline, or outside. */
function bubble(u: number, v: number, stroke: number): 'fill' | 'edge' | 'out' {
  const inBox = (m: number) => {
    const [x0, y0, x1, y1, r] = [0.12 + m, 0.16 + m, 0.88 - m, 0.7 - m, 0.14];
    if (u < x0 || u > x1 || v < y0 || v > y1) return false;
    const cx = Math.min(Math.max(u, x0 + r), x1 - r);
    const cy = Math.min(Math.max(v, y0 + r), y1 - r);
    return (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
  };
  const tail = (m: number) =>
    v >= 0.68 - m && v <= 0.88 - m && u >= 0.28 + m && u <= 0.28 + (0.88 - v) * 0.9 - m;
  const inside = inBox(0) || tail(0);
  if (!inside) return 'out';
  return inBox(stroke) || tail(stroke) ? 'fill' : 'edge';
}

/** 192x192: white bubble on the accent colour, full bleed (Teams rounds the corners itself). */
export function colorIcon(): Buffer {
  const size = 192;
  return png(size, (x, y) => {
    const part = bubble((x + 0.5) / size, (y + 0.5) / size, 0.06);
    return part === 'out' ? [ACCENT.r, ACCENT.g, ACCENT.b, 255] : [255, 255, 255, 255];
  });
}

/** 32x32: the bubble's outline in white on a transparent background, as Teams requires. */
export function outlineIcon(): Buffer {
  const size = 32;
  return png(size, (x, y) =>
    bubble((x + 0.5) / size, (y + 0.5) / size, 0.09) === 'edge' ? [255, 255, 255, 255] : [255, 255, 255, 0],
  );
}

export async function buildTeamsPackage(config: Config, options: PackageOptions = {}): Promise<Buffer> {
  const problems = packageProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(buildManifest(config, options), null, 2)}\n`);
  zip.file('color.png', colorIcon());
  zip.file('outline.png', outlineIcon());
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

function flag(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

export async function runTeamsPackage(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const config = loadConfig(env);
    const out = path.resolve(flag(args, 'out') ?? 'dist/teams-app.zip');
    const zip = await buildTeamsPackage(config, {
      name: flag(args, 'name'),
      developer: flag(args, 'developer'),
      version: flag(args, 'version'),
    });
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, zip);
    process.stdout.write(
      `Teams app package written: ${out} (bot ${config.MicrosoftAppId}, ${zip.length} bytes)\n`,
    );
    return 0;
  } catch (error) {
    const lines = error instanceof ConfigError ? error.problems : [(error as Error).message];
    process.stderr.write(`Cannot build the Teams app package:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`);
    return 1;
  }
}

if (require.main === module) {
  runTeamsPackage(process.argv.slice(2)).then((code) => process.exit(code));
}
