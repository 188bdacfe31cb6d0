import { connect } from 'node:net';

/** Where a developer's (or CI's) Redis usually answers. */
const LOCAL_REDIS = { host: '127.0.0.1', port: 6379 };
const LOCAL_REDIS_URL = `redis://${LOCAL_REDIS.host}:${LOCAL_REDIS.port}`;

/**
 * Global setup: the tests that span replicas also run over Redis when REDIS_URL names one, or when
 * one answers on 127.0.0.1:6379; they never need it. `REDIS_URL= npm test` (set, empty) leaves it out.
 */
export async function useLocalRedis(): Promise<void> {
  if (process.env.REDIS_URL !== undefined || !(await answersPing())) return;
  process.env.REDIS_URL = LOCAL_REDIS_URL;
  process.stderr.write(`\nRedis answers at ${LOCAL_REDIS_URL}: the runs over Redis use it\n`);
}

/** The Redis for the runs over Redis; without one, `what` says it is skipped and how to have it. */
export function testRedisUrl(what: string): string | undefined {
  const url = process.env.REDIS_URL;
  if (url) return url;
  const why =
    url === ''
      ? 'REDIS_URL is set empty'
      : `REDIS_URL is not set and no Redis answers at ${LOCAL_REDIS_URL}`;
  process.stderr.write(
    `${what} is skipped: ${why} (start redis-server, or set REDIS_URL=redis://host:6379)\n`,
  );
  return undefined;
}

function answersPing(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(LOCAL_REDIS);
    let reply = '';
    const answer = (pong: boolean) => {
      socket.destroy();
      resolve(pong);
    };
    socket.setTimeout(500, () => answer(false));
    socket.once('error', () => answer(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) answer(reply.startsWith('+PONG'));
    });
  });
}
