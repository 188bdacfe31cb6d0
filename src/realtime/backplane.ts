import { createAdapter as createPostgresAdapter } from '@socket.io/postgres-adapter';
import { createAdapter as createRedisAdapter } from '@socket.io/redis-adapter';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { AppConfig } from '../config/app-config';
import { guardPoolClients } from '../database/guard-pool-clients';

type AdapterConstructor = NonNullable<Parameters<Server['adapter']>[0]>;

/** How emits reach sockets on other replicas; null when this process is the only one. */
export interface Backplane {
  adapter: AdapterConstructor;
  close(): Promise<void>;
}

const logger = new Logger('Backplane');

export async function connectBackplane(config: AppConfig): Promise<Backplane | null> {
  switch (config.realtime.adapter) {
    case 'memory':
      return null;
    case 'redis':
      return connectRedis(config.realtime.redisUrl!, config.realtime.channel);
    case 'postgres':
      return connectPostgres(config.database.url!, config.realtime.channel);
  }
}

async function connectRedis(url: string, channel: string): Promise<Backplane> {
  const publisher = createClient({ url });
  const subscriber = publisher.duplicate();
  for (const client of [publisher, subscriber]) {
    client.on('error', (error: Error) => logger.error({ err: error }, 'Redis connection error'));
  }
  await Promise.all([publisher.connect(), subscriber.connect()]);
  return {
    adapter: createRedisAdapter(publisher, subscriber, { key: channel }),
    close: async () => {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}

async function connectPostgres(url: string, channel: string): Promise<Backplane> {
  const pool = new Pool({
    connectionString: url,
    max: 2,
    application_name: 'chat-backend-socket.io',
  });
  pool.on('error', (error) => logger.error({ err: error }, 'PostgreSQL adapter connection error'));
  guardPoolClients(pool, logger);
  return {
    adapter: createPostgresAdapter(pool, {
      tableName: 'socket_io_attachments',
      channelPrefix: channel,
    }),
    close: () => pool.end(),
  };
}
