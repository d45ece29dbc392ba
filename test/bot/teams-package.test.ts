import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import JSZip from 'jszip';
import { loadConfig } from '../../platform/config';
import { MANIFEST_VERSION, runTeamsPackage } from '../../scripts/teams-package';

/**
 * The Teams app package against Microsoft's manifest JSON schema. The schema comes from the npm package
 * @microsoft/app-manifest (devDependency; it ships every manifest version's schema under
 * build/json-schemas/teams/v<version>/), so the check runs offline.
 */
const SCHEMA = path.join(
  path.dirname(require.resolve('@microsoft/app-manifest/package.json')),
  `build/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
);
const APP_ID = '11111111-2222-4333-8444-555555555555';
const env = {
  CHANNELS: 'web,teams',
  MicrosoftAppId: APP_ID,
  MicrosoftAppPassword: 'x',
  MicrosoftAppType: 'SingleTenant',
  MicrosoftAppTenantId: 'contoso.onmicrosoft.com',
  PUBLIC_BASE_URL: 'https://help.example.com/',
};

/** Width, height, colour type and the RGBA pixels of a PNG (8-bit RGBA, filter 0, as we write them). */
async function readPng(data: Buffer) {
  expect(data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < data.length; ) {
    const length = data.readUInt32BE(at);
    const type = data.toString('ascii', at + 4, at + 8);
    if (type === 'IDAT') idat.push(data.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const { inflateSync } = await import('node:zlib');
  const raw = inflateSync(Buffer.concat(idat));
  const pixels: number[][] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 4 + 1) + 1 + x * 4;
      pixels.push([...raw.subarray(at, at + 4)]);
    }
  }
  return { width, height, colorType: data[25], pixels };
}

describe('npm run teams:package', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'teams-package-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a zip whose manifest passes the Teams manifest schema, with the bot, scopes and domain', async () => {
    const out = path.join(dir, 'teams-app.zip');
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runTeamsPackage(['--out', out, '--version', '1.2.3'], env)).toBe(0);
    } finally {
      stdout.mockRestore();
    }
    const zip = await JSZip.loadAsync(await readFile(out));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));

    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')));
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The schema really checks: a broken manifest fails it.
    expect(validate({ ...manifest, bots: [{ botId: APP_ID, scopes: ['everywhere'] }] })).toBe(false);
    expect(validate({ ...manifest, developer: undefined })).toBe(false);

    expect(manifest).toMatchObject({
      manifestVersion: '1.17',
      version: '1.2.3',
      id: APP_ID,
      icons: { color: 'color.png', outline: 'outline.png' },
      validDomains: ['help.example.com'],
      bots: [{ botId: APP_ID, scopes: ['personal', 'team'] }],
    });
    expect(Number(manifest.manifestVersion)).toBeGreaterThanOrEqual(1.17);
  });

  it('draws the icons Teams asks for: color 192x192, outline 32x32 white on transparent', async () => {
    const out = path.join(dir, 'icons.zip');
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await runTeamsPackage(['--out', out], env).finally(() => stdout.mockRestore());
    const zip = await JSZip.loadAsync(await readFile(out));
    const color = await readPng(await zip.file('color.png')!.async('nodebuffer'));
    expect([color.width, color.height, color.colorType]).toEqual([192, 192, 6]);
    expect(color.pixels.every((p) => p[3] === 255)).toBe(true);
    expect(new Set(color.pixels.map((p) => p.join(','))).size).toBeGreaterThan(1);
    const outline = await readPng(await zip.file('outline.png')!.async('nodebuffer'));
    expect([outline.width, outline.height, outline.colorType]).toEqual([32, 32, 6]);
    const visible = outline.pixels.filter((p) => p[3]! > 0);
    expect(visible.length).toBeGreaterThan(20);
    expect(visible.every((p) => p[0] === 255 && p[1] === 255 && p[2] === 255)).toBe(true);
    expect(outline.pixels.some((p) => p[3] === 0)).toBe(true);
  });

  it('refuses to build without an app id or an https public address, saying which', async () => {
    const stderr: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    try {
      const code = await runTeamsPackage(['--out', path.join(dir, 'bad.zip')], {
        CHANNELS: 'web,teams',
        PUBLIC_BASE_URL: 'http://localhost:3978',
      });
      expect(code).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(stderr.join('')).toContain('MicrosoftAppId is required');
    expect(stderr.join('')).toContain('PUBLIC_BASE_URL must start with https://');
    expect(loadConfig(env).MicrosoftAppId).toBe(APP_ID);
  });
});
