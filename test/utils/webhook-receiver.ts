import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body's bytes (an encrypted push is no text). */
  raw: Buffer;
  receivedAt: number;
}

/**
 * How the receiver answers a request: a status, a status with headers (a redirect's Location),
 * `hold` to never answer it, or `cut` to close the connection without an answer.
 */
export type Answer = number | { status: number; headers: Record<string, string> } | 'hold' | 'cut';

/**
 * A real HTTP server standing in for a webhook receiver or a push service: it records every request
 * and answers what `respond` says (200 by default).
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  respond: (request: ReceivedRequest, index: number) => Answer = () => 200;
  /** The body of each answer. */
  body: (status: number) => string = (status) => `answered ${status}`;
  private readonly held: ServerResponse[] = [];
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const request = {
          path: req.url ?? '/',
          headers: req.headers,
          body: raw.toString('utf8'),
          raw,
          receivedAt: Date.now(),
        };
        const index = receiver.requests.push(request) - 1;
        const answer = receiver.respond(request, index);
        if (answer === 'hold') receiver.held.push(res);
        else if (answer === 'cut') req.socket.destroy();
        else receiver.answer(res, answer);
        receiver.notify();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path = '/hook'): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${path}`;
  }

  /** The parsed JSON bodies of the requests so far. */
  bodies<T = any>(): T[] {
    return this.requests.map((request) => JSON.parse(request.body) as T);
  }

  /** Resolves once `count` requests have come in (at most `timeoutMs` later, else rejects). */
  waitFor(count: number, timeoutMs = 15_000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${count} requests, got ${this.requests.length}`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(res: ServerResponse, answer: Exclude<Answer, 'hold' | 'cut'>): void {
    const { status, headers } =
      typeof answer === 'number' ? { status: answer, headers: {} } : answer;
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(this.body(status));
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (this.requests.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
