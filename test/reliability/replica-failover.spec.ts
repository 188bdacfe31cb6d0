import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { TestContext } from '../utils/context';
import {
  buildScenario,
  connectClients,
  line,
  MessageLoad,
  NOTHING_LOST,
  nothingLost,
  settle,
} from '../utils/message-load';
import { RecipeClient } from '../utils/recipe-client';
import { testRedisUrl } from '../utils/redis';
import { ServerProcess } from '../utils/server-process';
import { createTestDatabase } from '../utils/test-app';

/**
 * Two replicas on one database and one backplane, every chat with members on both; one replica is
 * SIGKILLed under load. Its clients reconnect to the other, resend what was not acknowledged and
 * sync; members who stayed connected to the survivor sync the gaps the dead replica left (messages
 * it committed but never emitted). Nothing acknowledged may be lost, nothing stored twice.
 */
const redisUrl = testRedisUrl('replica-failover over Redis');
const ADAPTERS = [
  { name: 'postgres', env: {} as Record<string, string> },
  ...(redisUrl ? [{ name: 'redis', env: { REDIS_URL: redisUrl } }] : []),
];

describe.each(ADAPTERS)('failover between two replicas over the $name adapter', ({ name, env }) => {
  let doomed: ServerProcess;
  let survivor: ServerProcess;
  let databaseUrl: string;
  let db: Pool;
  let clients: RecipeClient[] = [];
  let load: MessageLoad | undefined;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    db = new Pool({ connectionString: databaseUrl, max: 2 });
    const shared = {
      ...env,
      SOCKET_ADAPTER: name,
      SOCKET_ADAPTER_CHANNEL: `failover-${randomBytes(4).toString('hex')}`,
    };
    const jwtSecret = randomBytes(48).toString('base64url');
    [doomed, survivor] = await Promise.all([
      ServerProcess.start({ databaseUrl, env: shared, jwtSecret }),
      ServerProcess.start({ databaseUrl, env: shared, jwtSecret }),
    ]);
  }, 60_000);
  afterAll(async () => {
    load?.abandon();
    for (const client of clients) client.close();
    await Promise.all([doomed?.stop('SIGKILL'), survivor?.stop('SIGKILL')]);
    await db?.end();
  }, 30_000);

  it('moves the dead replica’s clients to the survivor and loses nothing acknowledged', async () => {
    const scenario = await buildScenario(new TestContext(survivor));
    // Alternate users between the replicas: every chat has members on both.
    const onDoomed = (i: number) => i % 2 === 0;
    clients = await connectClients(scenario, (i) =>
      onDoomed(i) ? [doomed.baseUrl, survivor.baseUrl] : [survivor.baseUrl, doomed.baseUrl],
    );
    load = new MessageLoad(scenario, clients, {
      window: 2,
      pauseMs: 10,
      ackTimeoutMs: 10_000,
    });

    load.start();
    await load.acks(300);
    const outOfOrderWithTwo = clients.reduce((n, c) => n + c.stats.outOfOrder, 0);
    const liveWithTwo = clients.reduce((n, c) => n + c.stats.live, 0);
    const killing = Date.now();
    expect(await doomed.stop('SIGKILL')).toBeNull();
    const ackedBeforeKill = new Map(load.acked);
    const inFlightAtKill = load.sent.size - ackedBeforeKill.size;
    await load.acks(300);
    await load.finish(30_000);

    const figures = await settle(db, scenario, clients, load);
    const { rows } = await db.query<{ id: string; client_message_id: string }>(
      'SELECT id, client_message_id FROM messages WHERE client_message_id = ANY($1)',
      [[...ackedBeforeKill.keys()]],
    );
    const keptOfAckedBeforeKill = rows.filter(
      (row) => ackedBeforeKill.get(row.client_message_id)?.id === Number(row.id),
    ).length;
    const committedUnacked = [...load.acked.values()].filter(
      (ack) => Date.parse(ack.createdAt) < killing && ack.ackedAt > killing,
    ).length;
    const moved = clients.filter((client, i) => onDoomed(i) && client.url === survivor.baseUrl);
    const stayed = clients.filter((_, i) => !onDoomed(i));
    const firstAckAfterKill = Math.min(
      ...[...load.acked.values()].map((ack) => ack.ackedAt).filter((at) => at > killing),
    );
    console.log(
      line(`replica-failover(${name})`, {
        ...figures,
        ackedBeforeKill: ackedBeforeKill.size,
        keptOfAckedBeforeKill,
        inFlightAtKill,
        committedUnacked,
        outOfOrderLiveWithTwoReplicas: `${outOfOrderWithTwo}/${liveWithTwo}`,
        movedClients: moved.length,
        syncFilledOnSurvivorClients: stayed.reduce((n, c) => n + c.stats.synced, 0),
        firstAckAfterKillMs: firstAckAfterKill - killing,
      }),
    );

    expect(survivor.running).toBe(true);
    expect(moved).toHaveLength(clients.filter((_, i) => onDoomed(i)).length);
    expect(stayed.map((client) => client.stats.reconnects)).toEqual(stayed.map(() => 0));
    expect(keptOfAckedBeforeKill).toBe(ackedBeforeKill.size);
    expect(nothingLost(figures)).toEqual(NOTHING_LOST);
  }, 90_000);
});
