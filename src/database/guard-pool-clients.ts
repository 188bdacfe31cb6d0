import { Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';

/**
 * pg emits `error` on a connection that dies while checked out of its pool (PostgreSQL restarted,
 * the connection killed), and an `error` event nobody listens to ends the process. The pool listens
 * only while a connection is idle, and its borrowers (TypeORM, the Socket.IO adapter's LISTEN
 * connection) add their own listener late or never. A listener from birth turns that into a log
 * line; the query that was running fails on its own and the pool drops the connection.
 */
export function guardPoolClients(pool: Pool, logger: Logger): void {
  const guarded = new WeakSet<PoolClient>();
  // 'acquire' covers the connections made before this was called (TypeORM's first one).
  for (const event of ['connect', 'acquire'] as const) {
    pool.on(event, (client) => {
      if (guarded.has(client)) return;
      guarded.add(client);
      client.on('error', (error: Error) =>
        logger.warn({ err: error }, 'A database connection failed; it will be replaced'),
      );
    });
  }
}
