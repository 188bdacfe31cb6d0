import { readdirSync, readFileSync } from 'node:fs';
import { Client, Pool } from 'pg';
import { TestContext } from '../utils/context';
import { DisposablePostgres } from '../utils/disposable-postgres';
import {
  attemptsBetween,
  buildScenario,
  connectClients,
  line,
  MessageLoad,
  NOTHING_LOST,
  nothingLost,
  settle,
} from '../utils/message-load';
import { delay, RecipeClient } from '../utils/recipe-client';
import { STALLED_FLUSH_MS } from '../../src/messages/message-batcher';
import { probe, ServerProcess } from '../utils/server-process';

/**
 * PostgreSQL stops answering without closing anything (every process of it SIGSTOPped: what a
 * network partition, a paused VM or a stalled disk look like from the app) under load, then
 * resumes. Unlike a stopped server nothing is refused, so only the app's own timeouts can answer
 * the sends: once a flush has taken STALLED_FLUSH_MS (src/messages/message-batcher.ts) its sends, the
 * ones behind it and new ones are refused at once, until the flush ends (the client-side query
 * timeout of src/database/data-source-options.ts bounds that).
 */
const FREEZE_MS = 22_000;
const PROMISED_MS = STALLED_FLUSH_MS + 1_500;

describe('a frozen database under load', () => {
  let postgres: DisposablePostgres;
  let server: ServerProcess;
  let databaseUrl: string;
  const frozen: number[] = [];
  let clients: RecipeClient[] = [];
  let load: MessageLoad | undefined;

  beforeAll(async () => {
    postgres = await DisposablePostgres.start();
    databaseUrl = await postgres.createDatabase('chat');
    server = await ServerProcess.start({
      databaseUrl,
      env: { DATABASE_MIGRATIONS_RUN: 'true' },
    });
  }, 60_000);
  afterAll(async () => {
    thaw(frozen);
    load?.abandon();
    for (const client of clients) client.close();
    await server?.stop('SIGKILL');
    await postgres?.shutdown();
  }, 30_000);

  it('answers every send within its timeouts while PostgreSQL does not answer', async () => {
    const scenario = await buildScenario(new TestContext(server));
    clients = await connectClients(scenario, () => [server.baseUrl]);
    load = new MessageLoad(scenario, clients, {
      window: 2,
      pauseMs: 10,
      ackTimeoutMs: FREEZE_MS + 10_000,
    });

    load.start();
    await load.acks(200);
    freeze(await postgresProcesses(databaseUrl), frozen);
    const from = Date.now();
    const frozenProcesses = frozen.length;
    const live: string[] = [];
    const ready: string[] = [];
    while (Date.now() - from < FREEZE_MS) {
      live.push(await probe(`${server.baseUrl}/health/live`));
      ready.push(await probe(`${server.baseUrl}/health/ready`));
      await delay(500);
    }
    const to = Date.now();
    thaw(frozen.splice(0));
    await load.acks(200, 30_000);
    await load.finish(30_000);

    const db = new Pool({ connectionString: databaseUrl, max: 2 });
    const figures = await settle(db, scenario, clients, load).finally(() => db.end());
    const answeredDuringFreeze = load.attempts.filter(
      (a) => a.endedAt > from + 1000 && a.endedAt < to && a.outcome !== 'timeout',
    ).length;
    const during = attemptsBetween(load.attempts, from, to);
    console.log(
      line('database-freeze', {
        ...figures,
        frozenProcesses,
        freezeMs: to - from,
        sendsDuringFreeze: during.count,
        outcomesDuringFreeze: JSON.stringify(during.outcomes),
        maxAnswerMsDuringFreeze: during.maxMs,
        answeredDuringFreeze,
        readiness: [...new Set(ready)].join('/'),
      }),
    );

    expect(server.running).toBe(true);
    expect([...new Set(live)]).toEqual(['200']);
    expect([...new Set(ready)]).toEqual(['503']);
    expect(nothingLost(figures)).toEqual(NOTHING_LOST);
    expect(during.count).toBeGreaterThan(0);
    expect(during.outcomes.timeout ?? 0).toBe(0);
    expect(during.maxMs).toBeLessThan(PROMISED_MS);
  }, 90_000);
});

/**
 * The postmaster serving this URL and its children (backends and helpers), without the backend
 * of the probe itself, which is exiting.
 */
async function postgresProcesses(url: string): Promise<number[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const probeBackend = rows[0].pid;
  const postmaster = parentOf(probeBackend);
  await client.end();
  if (postmaster === null) throw new Error('cannot find the postmaster');
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== probeBackend && parentOf(pid) === postmaster);
  return [postmaster, ...children];
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * Stops each process and records it in `frozen` at once, so that a failure half-way still thaws
 * the ones stopped (a frozen postmaster left behind hangs the whole run). A backend may end
 * between the listing and its signal (a pool closing an idle connection): it needs no freezing.
 */
function freeze(pids: number[], frozen: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGSTOP');
      frozen.push(pid);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

function thaw(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  }
}
