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
import { ServerProcess } from '../utils/server-process';
import { createTestDatabase } from '../utils/test-app';

/**
 * SIGKILL in the middle of a load of socket sends, then the same server again (same port, same
 * secret, so clients reconnect with the tokens they have). Whatever was acknowledged before the kill
 * must be stored exactly once; what was in flight is resent with its clientMessageId and must be
 * stored once too, with no gap in any chat's seq.
 */
const KILLS = 3;

describe('a crash and restart under load', () => {
  let server: ServerProcess;
  let databaseUrl: string;
  let db: Pool;
  let clients: RecipeClient[] = [];
  let load: MessageLoad | undefined;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    db = new Pool({ connectionString: databaseUrl, max: 2 });
    server = await ServerProcess.start({ databaseUrl });
  }, 60_000);
  afterAll(async () => {
    load?.abandon();
    for (const client of clients) client.close();
    await server?.stop('SIGKILL');
    await db?.end();
  }, 30_000);

  it('keeps every acknowledged message exactly once and stores every resend once', async () => {
    const scenario = await buildScenario(new TestContext(server));
    clients = await connectClients(scenario, () => [server.baseUrl]);
    load = new MessageLoad(scenario, clients, {
      window: 2,
      pauseMs: 10,
      ackTimeoutMs: 10_000,
    });

    load.start();
    // Several kills, to land some of them between a flush's commit and its acks.
    const ackedBeforeKill = new Map<string, { id: number }>();
    const kills: number[] = [];
    let inFlightAtKill = 0;
    let restartMs = 0;
    for (let cycle = 0; cycle < KILLS; cycle += 1) {
      await load.acks(200);
      kills.push(Date.now());
      expect(await server.stop('SIGKILL')).toBeNull();
      for (const [id, ack] of load.acked) ackedBeforeKill.set(id, ack);
      inFlightAtKill += load.sent.size - load.acked.size;
      server = await ServerProcess.start({
        databaseUrl,
        port: server.port,
        jwtSecret: server.jwtSecret,
      });
      restartMs = Math.max(restartMs, Date.now() - kills[cycle]);
    }
    await load.acks(200);
    await load.finish(30_000);

    const { rows } = await db.query<{ id: string; client_message_id: string }>(
      'SELECT id, client_message_id FROM messages WHERE client_message_id = ANY($1)',
      [[...ackedBeforeKill.keys()]],
    );
    const keptOnce = rows.filter(
      (row, _, all) =>
        ackedBeforeKill.get(row.client_message_id)?.id === Number(row.id) &&
        all.filter((other) => other.client_message_id === row.client_message_id).length === 1,
    ).length;
    const figures = await settle(db, scenario, clients, load);
    const attemptsAfterKill = load.attempts.filter((a) => a.startedAt > kills[0]).length;
    // In flight at a kill, yet committed before it: the resend found the stored message.
    const committedUnacked = [...load.acked.values()].filter((ack) =>
      kills.some((kill) => Date.parse(ack.createdAt) < kill && ack.ackedAt > kill),
    ).length;
    console.log(
      line('crash-restart', {
        ...figures,
        kills: KILLS,
        ackedBeforeKill: ackedBeforeKill.size,
        keptOfAckedBeforeKill: keptOnce,
        inFlightAtKill,
        committedUnacked,
        attemptsAfterKill,
        maxRestartMs: restartMs,
      }),
    );

    expect(keptOnce).toBe(ackedBeforeKill.size);
    expect(nothingLost(figures)).toEqual(NOTHING_LOST);
    expect(figures.reconnects).toBe(clients.length * KILLS);
  }, 90_000);
});
