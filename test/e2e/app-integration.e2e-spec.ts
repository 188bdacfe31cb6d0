import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../utils/test-app';

const ROOT = join(__dirname, '../..');
const ADMIN_TOKEN = randomBytes(48).toString('base64url');

/** `npm run integration-example` (docs/integration.md) as an app's team runs it: a child process. */
function runExample(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'scripts/app-integration.ts'],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('npm run integration-example', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_API_TOKEN: ADMIN_TOKEN });
  });
  afterAll(() => t.close());

  it('runs the sample scenario for an app’s own users without any password, twice', async () => {
    for (const round of [1, 2]) {
      const run = await runExample({ API_URL: t.baseUrl, ADMIN_API_TOKEN: ADMIN_TOKEN });
      expect({ round, code: run.code, output: run.output }).toMatchObject({ round, code: 0 });
      expect(run.output).toContain('shahn heard live from user');
      expect(run.output).toContain(': Hi Shahn!');
      expect(run.output).toContain('shahn heard in group-1: Hello group-1');
    }
    const users = await t.db.query(
      `SELECT username, external_id, password_hash FROM users ORDER BY username`,
    );
    expect(users.rows).toEqual([
      { username: 'shahn', external_id: 'app-user-shahn', password_hash: null },
      { username: 'shivam', external_id: 'app-user-shivam', password_hash: null },
      { username: 'udit', external_id: 'app-user-udit', password_hash: null },
    ]);
  }, 60_000);

  it('says what is missing without the admin token', async () => {
    const run = await runExample({ API_URL: t.baseUrl, ADMIN_API_TOKEN: '' });
    expect(run.code).toBe(1);
    expect(run.output).toContain('Set ADMIN_API_TOKEN');
  });
});
