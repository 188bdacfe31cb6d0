/**
 * The benchmark suite: `npm run bench [-- --quick] [-- --scenarios=1,2,3,4,5,6,7] [-- --pairs=3]`
 * `[-- --webhook]` (the product with one webhook endpoint for every event, on a local receiver)
 * `[-- --shared-core]` (the embedded PostgreSQL pinned to the servers' CPU 0, so a run's throughput
 * reflects the whole CPU cost of a message, the database's included)
 * `[-- --postgres-breakdown]` (PostgreSQL's CPU per message also by process role: backends,
 * walwriter, autovacuum…, read every 100 ms by the load generator, and the tables autovacuum visited).
 * Runs the product and the bare-stack reference alternately (A B A B ...) after a warm-up, on one
 * PostgreSQL (embedded unless BENCH_DATABASE_URL names a server), pins the servers to CPU 0 and the
 * load generator to CPU 1 when `taskset` is there, and prints one JSON line per run, then medians,
 * the median of pairwise ratios, and the targets.
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { quoteIdentifier, startEmbeddedDatabase } from '../src/database/embedded-database';
import { freePort } from '../test/utils/free-port';
import { connectAll, LoadOptions, LoadResult, round, runLoad } from './load';
import { PostgresCpu } from './postgres-cpu';
import {
  directTopology,
  groupTopology,
  populateProduct,
  populateReference,
  Topology,
} from './setup';

type Kind = 'product' | 'reference';

const args = new Map(
  process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]),
);
const quick = args.has('quick');
const PAIRS = Number(args.get('pairs') ?? (quick ? 1 : 3));
const DURATION_MS = Number(args.get('duration') ?? (quick ? 4000 : 10_000));
const SCENARIOS = (args.get('scenarios') ?? '1,2,3,4,5,6,7').split(',').map(Number);
const ROOT = join(__dirname, '..');
const SECRET = randomBytes(48).toString('base64url');
const canPin = hasTaskset();
/** With --webhook, the product delivers every event to a receiver in this process. */
const WEBHOOK = args.has('webhook');
const SHARED_CORE = args.has('shared-core');
/** With --postgres-breakdown, PostgreSQL's CPU per message is also given by process role. */
const POSTGRES_BREAKDOWN = args.has('postgres-breakdown');
const EMBEDDED_DIR = join(ROOT, '.data', `bench-${process.pid}`);

interface Server {
  kind: Kind;
  baseUrl: string;
  process: ChildProcess;
  database: string;
}

interface RunRecord {
  scenario: number;
  kind: Kind;
  [metric: string]: unknown;
}

async function main(): Promise<void> {
  const { adminUrl, stop } = await database();
  if (canPin) execSync(`taskset -pc 1 ${process.pid}`, { stdio: 'ignore' });
  log(`load generator ${canPin ? 'pinned to CPU 1, servers to CPU 0' : 'not pinned (no taskset)'}`);
  if (SHARED_CORE) pinPostgres();
  const postgres = new PostgresCpu(process.env.BENCH_DATABASE_URL ? null : postmasterPid());
  const template = await migratedTemplate(adminUrl);
  const receiver = WEBHOOK ? await webhookReceiver() : null;
  const records: RunRecord[] = [];
  try {
    const scenarios: Record<number, () => Promise<void>> = {
      1: () => alternate(1, directTopology(100), { mode: 'closed', window: 4, bodyLength: 100 }),
      2: () => alternate(2, groupTopology(10, 20), { mode: 'closed', window: 4, bodyLength: 100 }),
      3: () =>
        alternate(3, directTopology(100), {
          mode: 'open',
          ratePerSecond: 1000,
          window: 1,
          bodyLength: 100,
        }),
      4: () => idleSockets(),
      5: () => dataScale(),
      // Reactions mixed into scenario 2's load (one per four messages): the product only, as the
      // bare-stack reference has no reactions. Compare its messages/s with scenario 2's.
      6: () =>
        alternate(
          6,
          groupTopology(10, 20),
          { mode: 'closed', window: 4, bodyLength: 100, reactionEvery: 4 },
          ['product'],
        ),
      // Edits in one hot group of 20 (one edit of one's own message per two messages): the product
      // only, as the reference has no edits.
      7: () =>
        alternate(
          7,
          groupTopology(1, 20),
          { mode: 'closed', window: 4, bodyLength: 100, editEvery: 2 },
          ['product'],
        ),
    };
    for (const scenario of SCENARIOS) await scenarios[scenario]();
  } finally {
    receiver?.close();
    await stop();
  }
  const summary = summarise(records);
  const file = join(
    ROOT,
    'bench/results',
    `${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(file, JSON.stringify({ records, summary }, null, 2));
  log(`\n${summary.table}\nresults: ${file}`);

  async function alternate(
    scenario: number,
    topology: Topology,
    load: Partial<LoadOptions>,
    kinds: Kind[] = ['product', 'reference'],
  ): Promise<void> {
    log(`scenario ${scenario}: warm-up`);
    for (const kind of kinds) await messageRun(scenario, kind, topology, load, 2000, false);
    for (let pair = 0; pair < PAIRS; pair += 1) {
      for (const kind of kinds) {
        records.push(await messageRun(scenario, kind, topology, load, DURATION_MS, true));
      }
    }
  }

  async function messageRun(
    scenario: number,
    kind: Kind,
    topology: Topology,
    load: Partial<LoadOptions>,
    durationMs: number,
    print: boolean,
  ): Promise<RunRecord> {
    const server = await startServer(kind, adminUrl, template);
    const serverUrl = databaseUrl(adminUrl, server.database);
    try {
      const population = await populate(server, topology);
      if (receiver && kind === 'product') await registerWebhook(server, receiver.url);
      // Tables just filled are what autovacuum would visit next (analyze the new users and chats,
      // vacuum the accepted friend requests): done here, so that the run counts only the load's own.
      await admin(serverUrl, 'VACUUM ANALYZE');
      const deliveredBefore = receiver?.delivered() ?? 0;
      // Counted from when every socket is connected, as the load generator's own CPU and the
      // rates are: the sockets' handshakes are not the messages' cost.
      let before = 0;
      let vacuumsBefore: Promise<AutovacuumRuns> | null = null;
      const onConnected = () => {
        before = cpuSeconds(server.process.pid!);
        postgres.start(POSTGRES_BREAKDOWN);
        if (POSTGRES_BREAKDOWN) vacuumsBefore = autovacuumRuns(serverUrl);
      };
      const result: LoadResult = await runLoad({
        onConnected,
        baseUrl: server.baseUrl,
        ...population,
        mode: 'closed',
        window: 4,
        ratePerSecond: 0,
        bodyLength: 100,
        reactionEvery: 0,
        editEvery: 0,
        ...load,
        durationMs,
      });
      const serverCpu = cpuSeconds(server.process.pid!) - before;
      const postgresCpu = postgres.stop();
      const vacuums =
        vacuumsBefore && runsSince(await vacuumsBefore, await autovacuumRuns(serverUrl));
      const perMessage = (seconds: number) => round((seconds / Math.max(1, result.acked)) * 1e6);
      const record: RunRecord = {
        scenario,
        kind,
        ...result,
        serverRssMb: rssMb(server.process.pid!),
        serverCpuUsPerMessage: round((serverCpu / Math.max(1, result.acked)) * 1e6),
        postgresCpuUsPerMessage: perMessage(postgresCpu.seconds),
        ...(postgresCpu.byRole
          ? {
              postgresCpuUsPerMessageByRole: Object.fromEntries(
                Object.entries(postgresCpu.byRole).map(([role, s]) => [role, perMessage(s)]),
              ),
            }
          : {}),
        ...(vacuums ? { autovacuumRunsByTable: vacuums } : {}),
        loadGeneratorCpuUsPerMessage: round(
          (result.loadGeneratorCpuSeconds / Math.max(1, result.acked)) * 1e6,
        ),
        ...(receiver && kind === 'product'
          ? {
              webhookDeliveriesPerSecond: round(
                (receiver.delivered() - deliveredBefore) / (durationMs / 1000),
              ),
            }
          : {}),
      };
      if (print) process.stdout.write(`${JSON.stringify(record)}\n`);
      return record;
    } finally {
      await stopServer(server, adminUrl);
    }
  }

  /** Scenario 4: memory of idle authenticated sockets. */
  async function idleSockets(): Promise<void> {
    log('scenario 4: 5,000 idle sockets');
    for (let pair = 0; pair < PAIRS; pair += 1) {
      for (const kind of ['product', 'reference'] as Kind[]) {
        const server = await startServer(kind, adminUrl, template);
        try {
          const population = await populate(server, directTopology(100));
          await settle();
          const before = rssMb(server.process.pid!);
          const sockets = await connectAll(server.baseUrl, population.sessions, 50);
          await settle();
          const after = rssMb(server.process.pid!);
          for (const socket of sockets) socket.close();
          const record: RunRecord = {
            scenario: 4,
            kind,
            sockets: sockets.length,
            rssBeforeMb: before,
            rssAfterMb: after,
            rssMbPer1000Sockets: round(((after - before) / sockets.length) * 1000),
          };
          process.stdout.write(`${JSON.stringify(record)}\n`);
          records.push(record);
        } finally {
          await stopServer(server, adminUrl);
        }
      }
    }
  }

  /**
   * Scenario 5: a history page, a list-chats page, the unread totals and a selective search at
   * 1,000 and at 1,000,000 messages.
   */
  async function dataScale(): Promise<void> {
    log('scenario 5: data scale');
    for (const messages of [1000, 1_000_000]) {
      const server = await startServer('product', adminUrl, template);
      try {
        const [session] = (
          await populateProduct(server.baseUrl, { users: 1, directPairs: [], groups: [] }, 'scale')
        ).sessions;
        const chatId = await seedChats(
          databaseUrl(adminUrl, server.database),
          session.id,
          1000,
          messages,
        );
        const headers = { authorization: `Bearer ${session.token}` };
        const middle = await middleMessage(databaseUrl(adminUrl, server.database), chatId);
        const time = async (path: string) => {
          const samples: number[] = [];
          for (let i = -50; i < 200; i += 1) {
            const start = performance.now();
            const response = await fetch(server.baseUrl + path, { headers });
            await response.arrayBuffer();
            if (!response.ok) throw new Error(`${path}: ${response.status}`);
            if (i >= 0) samples.push(performance.now() - start);
          }
          return median(samples);
        };
        const record: RunRecord = {
          scenario: 5,
          kind: 'product',
          messages,
          listChatsMs: round(await time('/api/v1/chats?limit=50')),
          unreadTotalsMs: round(await time('/api/v1/me/unread')),
          // A selective word: 1 message in 500.
          searchMs: round(await time('/api/v1/messages/search?q=needle&limit=20')),
          historyPageMs: round(
            await time(`/api/v1/chats/${chatId}/messages?limit=50&before=${middle.id}`),
          ),
          changesPageMs: round(
            await time(`/api/v1/chats/${chatId}/changes?afterRev=${middle.rev}&limit=50`),
          ),
        };
        process.stdout.write(`${JSON.stringify(record)}\n`);
        records.push(record);
      } finally {
        await stopServer(server, adminUrl);
      }
    }
  }
}

async function populate(server: Server, topology: Topology) {
  const prefix = `b${randomBytes(3).toString('hex')}`;
  return server.kind === 'product'
    ? populateProduct(server.baseUrl, topology, prefix)
    : populateReference(server.baseUrl, topology, prefix);
}

async function database(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  if (process.env.BENCH_DATABASE_URL)
    return { adminUrl: process.env.BENCH_DATABASE_URL, stop: async () => {} };
  const embedded = await startEmbeddedDatabase({
    dir: EMBEDDED_DIR,
    port: await freePort(),
    ephemeral: true,
    postgresFlags: [
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'synchronous_commit=on',
    ],
  });
  return { adminUrl: embedded.adminUrl, stop: embedded.stop };
}

/**
 * The shared-core layout: every PostgreSQL process on CPU 0 with the servers. Backends forked later
 * inherit the postmaster's affinity.
 */
function pinPostgres(): void {
  if (!canPin || process.env.BENCH_DATABASE_URL) {
    throw new Error('--shared-core needs taskset, two CPUs and the embedded PostgreSQL');
  }
  const postmaster = postmasterPid();
  const children = execSync(`pgrep -P ${postmaster} || true`).toString().split('\n');
  for (const pid of [postmaster, ...children].filter(Boolean)) {
    execSync(`taskset -pc 0 ${pid}`, { stdio: 'ignore' });
  }
  log('PostgreSQL pinned to CPU 0 with the servers');
}

async function migratedTemplate(adminUrl: string): Promise<string> {
  const template = `bench_template_${process.pid}`;
  await admin(adminUrl, `CREATE DATABASE ${quoteIdentifier(template)}`);
  const dataSource = new DataSource(dataSourceOptions(databaseUrl(adminUrl, template), 2));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  return template;
}

async function startServer(kind: Kind, adminUrl: string, template: string): Promise<Server> {
  const database = `bench_${kind}_${randomBytes(3).toString('hex')}`;
  await admin(
    adminUrl,
    `CREATE DATABASE ${quoteIdentifier(database)} TEMPLATE ${quoteIdentifier(template)}`,
  );
  const port = await freePort();
  // BENCH_CPU_PROF=1 writes a V8 CPU profile of each server to bench/results/profiles.
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles']
    : [];
  const script = kind === 'product' ? 'dist/src/main.js' : 'bench/reference/server.mjs';
  // BENCH_SERVER_FLAGS (e.g. `--trace-gc`) are Node flags for the product only; its output is shown.
  const flags = kind === 'product' ? (process.env.BENCH_SERVER_FLAGS?.split(' ') ?? []) : [];
  const command = ['node', ...profile, ...flags, script];
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl(adminUrl, database),
    DATABASE_MIGRATIONS_RUN: 'false',
    JWT_ACCESS_SECRET: SECRET,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_LOGIN_PER_IP: 'off',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: 'off',
    RATE_LIMIT_REGISTER_PER_IP: 'off',
    RATE_LIMIT_SOCKET_EVENTS: 'off',
    RATE_LIMIT_MESSAGES_PER_USER: 'off',
    RATE_LIMIT_TYPING: 'off',
    RATE_LIMIT_SOCKET_EVENTS_PER_USER: 'off',
    RATE_LIMIT_MESSAGE_CHANGES_PER_USER: 'off',
    RATE_LIMIT_REACTIONS_PER_USER: 'off',
    RATE_LIMIT_SEARCH_PER_USER: 'off',
    RATE_LIMIT_FRIEND_REQUESTS_PER_USER: 'off',
    SOCKET_ADAPTER: 'memory',
    METRICS_PORT: '0',
    ...(WEBHOOK ? { ADMIN_API_TOKEN: SECRET, OUTBOUND_ALLOWED_NETWORKS: '127.0.0.1' } : {}),
  };
  const child = spawn(
    canPin ? 'taskset' : command[0],
    canPin ? ['-c', '0', ...command] : command.slice(1),
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', flags.length > 0 ? 'inherit' : 'ignore', 'inherit'],
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    try {
      const response = await fetch(`${baseUrl}/socket.io/?EIO=4&transport=polling`);
      if (response.ok) return { kind, baseUrl, process: child, database };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${kind} did not start`);
}

/** A webhook receiver that answers 204 at once and counts what it got. */
async function webhookReceiver(): Promise<{ url: string; delivered(): number; close(): void }> {
  let delivered = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      delivered += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    delivered: () => delivered,
    close: () => server.close(),
  };
}

async function registerWebhook(server: Server, url: string): Promise<void> {
  const response = await fetch(`${server.baseUrl}/api/v1/admin/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
    body: JSON.stringify({ url, events: ['*'] }),
  });
  if (response.status !== 201) throw new Error(`webhook registration: ${response.status}`);
}

async function stopServer(server: Server, adminUrl: string): Promise<void> {
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  server.process.kill('SIGKILL');
  await admin(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(server.database)} WITH (FORCE)`);
}

/** One user in `chats` direct chats holding `messages` messages in all; returns the busiest chat. */
async function seedChats(
  url: string,
  userId: number,
  chats: number,
  messages: number,
): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET statement_timeout = 0');
    await client.query(
      `INSERT INTO users (username, display_name, password_hash)
       SELECT 'peer_' || i, 'Peer', 'x' FROM generate_series(1, $1::int) i`,
      [chats],
    );
    await client.query(
      `INSERT INTO chat_sessions (type, name, topic, user_1_id, user_2_id, last_activity_at)
       SELECT 'direct', 'peer', 'chat:scale-' || u.id, LEAST($1::int, u.id), GREATEST($1::int, u.id), now() - u.id * interval '1 second'
         FROM users u WHERE u.username LIKE 'peer\\_%'`,
      [userId],
    );
    await client.query(
      `INSERT INTO chat_participants (chat_id, user_id)
       SELECT id, user_1_id FROM chat_sessions UNION ALL SELECT id, user_2_id FROM chat_sessions`,
    );
    await client.query(
      `INSERT INTO messages (chat_id, seq, rev, sender_id, body)
       SELECT c.id, s.seq, s.seq + 1, c.user_1_id,
              'message ' || s.seq || CASE WHEN (c.id + s.seq) % 500 = 0 THEN ' needle' ELSE '' END
         FROM chat_sessions c, generate_series(1, GREATEST(1, $1::int / $2::int)) AS s(seq)
        ORDER BY c.id, s.seq`,
      [messages, chats],
    );
    await client.query(
      `UPDATE chat_sessions c SET last_seq = m.n, last_rev = m.n + 1 FROM (SELECT chat_id, count(*) AS n FROM messages GROUP BY chat_id) m
        WHERE m.chat_id = c.id`,
    );
    // Every tenth message mentions the user, who has read all but the last 20 of each chat: the
    // unread counts stay the same size while the history grows.
    await client.query(
      `INSERT INTO message_mentions (message_id, chat_id, seq, user_id)
       SELECT id, chat_id, seq, $1 FROM messages WHERE seq % 10 = 0`,
      [userId],
    );
    await client.query(
      `UPDATE chat_participants p SET last_read_seq = greatest(0, c.last_seq - 20)
         FROM chat_sessions c WHERE c.id = p.chat_id AND p.user_id = $1`,
      [userId],
    );
    // Settle the bulk load (visibility map, statistics, dirty pages) so autovacuum and the
    // checkpointer do not run during the timing.
    await client.query('VACUUM ANALYZE');
    await client.query('CHECKPOINT');
    const { rows } = await client.query('SELECT max(id) AS id FROM chat_sessions');
    return Number(rows[0].id);
  } finally {
    await client.end();
  }
}

async function middleMessage(url: string, chatId: number): Promise<{ id: number; rev: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query(
    'SELECT id, rev FROM messages WHERE chat_id = $1 ORDER BY id OFFSET (SELECT count(*) / 2 FROM messages WHERE chat_id = $1) LIMIT 1',
    [chatId],
  );
  await client.end();
  return { id: Number(rows[0].id), rev: Number(rows[0].rev) };
}

interface Summary {
  table: string;
  targets: { name: string; value: number; target: string; met: boolean }[];
}

function summarise(records: RunRecord[]): Summary {
  const of = (scenario: number, kind: Kind) =>
    records.filter((r) => r.scenario === scenario && r.kind === kind);
  const med = (scenario: number, kind: Kind, metric: (r: RunRecord) => number) =>
    round(median(of(scenario, kind).map(metric)));
  const ratio = (scenario: number, metric: (r: RunRecord) => number) => {
    const product = of(scenario, 'product');
    const reference = of(scenario, 'reference');
    return round(median(product.map((p, i) => metric(p) / metric(reference[i]))));
  };
  const ackRate = (r: RunRecord) => r.ackPerSecond as number;
  const ackP99 = (r: RunRecord) => (r.ackLatencyMs as { p99: number }).p99;
  const e2eP99 = (r: RunRecord) => (r.endToEndLatencyMs as { p99: number }).p99;
  const deliveryRate = (r: RunRecord) => r.deliveriesPerSecond as number;
  const rss = (r: RunRecord) => r.rssMbPer1000Sockets as number;

  const rows: string[] = [
    '| scenario | metric | product (median) | reference (median) | ratio (median of pairs) | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  const targets: Summary['targets'] = [];
  const add = (
    scenario: number,
    name: string,
    metric: (r: RunRecord) => number,
    target: string,
    met: (x: number) => boolean,
  ) => {
    if (of(scenario, 'product').length === 0) return;
    const value = ratio(scenario, metric);
    targets.push({ name: `${scenario}: ${name}`, value, target, met: met(value) });
    rows.push(
      `| ${scenario} | ${name} | ${med(scenario, 'product', metric)} | ${med(scenario, 'reference', metric)} | ${value} | ${target} | ${met(value) ? 'yes' : 'NO'} |`,
    );
  };
  const serverCpu = (r: RunRecord) => r.serverCpuUsPerMessage as number;
  const postgresCpu = (r: RunRecord) => r.postgresCpuUsPerMessage as number;
  const peakRss = (r: RunRecord) => r.serverRssMb as number;
  const atLeast = (bound: number) => [`≥ ${bound}`, (x: number) => x >= bound] as const;
  const atMost = (bound: number) => [`≤ ${bound}`, (x: number) => x <= bound] as const;
  for (const scenario of [1, 2]) {
    const rate = scenario === 1 ? ackRate : deliveryRate;
    add(scenario, scenario === 1 ? 'acked messages/s' : 'deliveries/s', rate, ...atLeast(1));
    add(scenario, 'ack p99 (ms)', ackP99, ...atMost(1.3));
    add(scenario, 'server CPU µs per message', serverCpu, ...atMost(1.2));
    add(scenario, 'PostgreSQL CPU µs per message', postgresCpu, ...atMost(1.2));
    add(scenario, 'server RSS after the load (MB)', peakRss, ...atMost(1.5));
  }
  add(3, 'ack p99 (ms)', ackP99, ...atMost(1.3));
  add(3, 'end-to-end p99 (ms)', e2eP99, ...atMost(1.3));
  add(4, 'RSS MB per 1,000 idle sockets', rss, ...atMost(1.2));
  const scale = records.filter((r) => r.scenario === 5);
  if (scale.length === 2) {
    for (const metric of ['listChatsMs', 'unreadTotalsMs', 'historyPageMs', 'changesPageMs']) {
      const value = round((scale[1][metric] as number) / (scale[0][metric] as number));
      targets.push({ name: `5: ${metric} 1M/1k`, value, target: '≤ 1.2', met: value <= 1.2 });
      rows.push(
        `| 5 | ${metric} | ${scale[1][metric]} at 1M | ${scale[0][metric]} at 1k | ${value} | ≤ 1.2 | ${value <= 1.2 ? 'yes' : 'NO'} |`,
      );
    }
    // A selective search finds more as the history grows (1 message in 500), so its target is
    // absolute: a p50 in milliseconds at 1,000,000 messages.
    const search = scale[1].searchMs as number;
    targets.push({ name: '5: searchMs at 1M', value: search, target: '≤ 50', met: search <= 50 });
    rows.push(
      `| 5 | searchMs | ${search} at 1M | ${scale[0].searchMs} at 1k | ${round(search / (scale[0].searchMs as number))} | ≤ 50 ms at 1M | ${search <= 50 ? 'yes' : 'NO'} |`,
    );
  }
  const reactionRuns = of(6, 'product');
  if (reactionRuns.length > 0) {
    const reactionP99 = (r: RunRecord) => (r.reactionAckLatencyMs as { p99: number }).p99;
    const reactionRate = (r: RunRecord) => r.reactionsPerSecond as number;
    rows.push(
      `| 6 | acked messages/s with 1 reaction per 4 | ${med(6, 'product', ackRate)} | (scenario 2: ${med(2, 'product', ackRate)}) | | | |`,
      `| 6 | reactions/s | ${med(6, 'product', reactionRate)} | | | | |`,
      `| 6 | reaction ack p99 (ms) | ${med(6, 'product', reactionP99)} | | | | |`,
    );
  }
  if (of(7, 'product').length > 0) {
    const editP99 = (r: RunRecord) => (r.editAckLatencyMs as { p99: number }).p99;
    const editRate = (r: RunRecord) => r.editsPerSecond as number;
    rows.push(
      `| 7 | acked messages/s in one group of 20, 1 edit per 2 | ${med(7, 'product', ackRate)} | | | | |`,
      `| 7 | edits/s | ${med(7, 'product', editRate)} | | | | |`,
      `| 7 | edit ack p99 (ms) | ${med(7, 'product', editP99)} | | | | |`,
    );
  }
  const messageRuns = records.filter((r) => r.scenario !== 4 && r.scenario !== 5);
  const missing = (expected: string, received: string) =>
    messageRuns.reduce(
      (sum, r) => sum + (((r[expected] as number) ?? 0) - ((r[received] as number) ?? 0)),
      0,
    );
  const lostReactions = missing('expectedReactionDeliveries', 'reactionDeliveries');
  const lostEdits = missing('expectedEditDeliveries', 'editDeliveries');
  const correctness = ['lost', 'duplicated', 'outOfOrder', 'failedAcks'].map(
    (key) => `${key} ${messageRuns.reduce((sum, r) => sum + ((r[key] as number) ?? 0), 0)}`,
  );
  correctness.push(`reaction events lost ${lostReactions}`, `edit events lost ${lostEdits}`);
  rows.push('', `Every message run: ${correctness.join(', ')} (all must be 0).`);
  return { table: rows.join('\n'), targets };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU seconds of a process. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The embedded PostgreSQL's postmaster: its CPU and its children's are the database's. */
function postmasterPid(): number {
  return Number(readFileSync(join(EMBEDDED_DIR, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? round(Number(match[1]) / 1024) : 0;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2000));
}

function hasTaskset(): boolean {
  try {
    execSync('command -v taskset', { stdio: 'ignore' });
    return Number(execSync('nproc').toString()) >= 2;
  } catch {
    return false;
  }
}

function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Autovacuum's and autoanalyze's runs so far, by table: `vacuum` and `analyze` counts. */
type AutovacuumRuns = Record<string, { vacuum: number; analyze: number }>;

async function autovacuumRuns(url: string): Promise<AutovacuumRuns> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ relname: string; vacuum: number; analyze: number }>(
      `SELECT relname, autovacuum_count::int AS vacuum, autoanalyze_count::int AS analyze
         FROM pg_stat_user_tables`,
    );
    return Object.fromEntries(rows.map(({ relname, ...runs }) => [relname, runs]));
  } finally {
    await client.end();
  }
}

/** The tables autovacuum visited between two readings, with its runs on each. */
function runsSince(before: AutovacuumRuns, after: AutovacuumRuns): AutovacuumRuns {
  const visited: AutovacuumRuns = {};
  for (const [table, { vacuum, analyze }] of Object.entries(after)) {
    const runs = {
      vacuum: vacuum - (before[table]?.vacuum ?? 0),
      analyze: analyze - (before[table]?.analyze ?? 0),
    };
    if (runs.vacuum > 0 || runs.analyze > 0) visited[table] = runs;
  }
  return visited;
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
