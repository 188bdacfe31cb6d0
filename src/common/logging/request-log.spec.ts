import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { loadConfig } from '../../config/load-config';
import { loggerOptions } from './logger-options';
import { noteRequestUser } from './request-log';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The app's request logging in front of `handler`; resolves with the lines one request wrote. */
async function logOf(path: string, headers: Record<string, string>, handler: Handler) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const { config } = loadConfig({ LOG_LEVEL: 'info' });
  const log = pinoHttp(loggerOptions(config).pinoHttp as object, sink);
  const server = createServer((req, res) => {
    // What middie copies from Fastify's request before the middleware runs.
    Object.assign(req, { id: 'req-1', ip: '203.0.113.7', originalUrl: req.url });
    log(req, res);
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  await response.text();
  await new Promise((resolve) => server.close(resolve));
  return lines.map((line) => JSON.parse(line));
}

const answered = (status: number, body: string, user?: number): Handler => {
  return (req, res) => {
    if (user !== undefined) noteRequestUser({ raw: req }, user);
    res.setHeader('set-cookie', 'sid=cookie-secret');
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', Buffer.byteLength(body));
    res.writeHead(status).end(body);
  };
};

describe('request log line', () => {
  it('holds who, what, how it ended, how long and how big, and no headers', async () => {
    const [line, ...more] = await logOf(
      '/api/v1/users/me?access_token=query-secret&limit=5',
      { authorization: 'Bearer header-secret', cookie: 'sid=cookie-secret' },
      answered(200, '{"id":42}', 42),
    );
    expect(more).toEqual([]);
    const { level, req, res, userId, responseTime, msg } = line;
    expect({ level, req, res, userId, msg }).toEqual({
      level: 30,
      req: {
        id: 'req-1',
        method: 'GET',
        url: '/api/v1/users/me?access_token=[redacted]&limit=5',
        remoteAddress: '203.0.113.7',
      },
      res: { statusCode: 200, contentLength: 9 },
      userId: 42,
      msg: 'request completed',
    });
    expect(responseTime).toEqual(expect.any(Number));
    const text = JSON.stringify(line);
    expect(text).not.toMatch(/headers|secret|Bearer/);
    expect(text.length).toBeLessThan(400);
  });

  it('leaves the user out when no token named one, and warns on a client error', async () => {
    const [line] = await logOf('/api/v1/users/me', {}, answered(401, '{"code":"TOKEN_MISSING"}'));
    expect(line).toMatchObject({ level: 40, res: { statusCode: 401, contentLength: 24 } });
    expect(line).not.toHaveProperty('userId');
  });

  it('logs a server error with its user', async () => {
    const [line] = await logOf('/api/v1/chats', {}, answered(500, '{}', 7));
    expect(line).toMatchObject({
      level: 50,
      userId: 7,
      res: { statusCode: 500 },
      responseTime: expect.any(Number),
    });
  });

  it('skips the health probes', async () => {
    expect(await logOf('/health/ready', {}, answered(200, '{}'))).toEqual([]);
  });
});
