import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from './free-port';
import { HttpClient } from './http-client';

export interface ServerProcessOptions {
  databaseUrl: string;
  /** Environment on top of the defaults below (production mode, rate limits off, a random secret). */
  env?: Record<string, string>;
  /** Reuse a port, e.g. to restart "the same" server after a kill. Random when omitted. */
  port?: number;
  /** Share one secret between replicas or across a restart so tokens stay valid. */
  jwtSecret?: string;
}

/**
 * The real server (`src/main.ts`) in a child process, for what an in-process app cannot show:
 * SIGKILL, SIGTERM, the memory of the server alone, several replicas.
 */
export class ServerProcess {
  private output = '';
  private readonly closed: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly jwtSecret: string,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.closed = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const server = await ServerProcess.launch(options);
    await server.waitUntilReady();
    return server;
  }

  /** Starts the process without waiting for it to serve (or to fail). */
  static async launch(options: ServerProcessOptions): Promise<ServerProcess> {
    const port = options.port ?? (await freePort());
    const jwtSecret = options.jwtSecret ?? randomBytes(48).toString('base64url');
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '../../src/main.ts')],
      {
        env: {
          ...process.env,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          METRICS_PORT: '0',
          DATABASE_URL: options.databaseUrl,
          DATABASE_MIGRATIONS_RUN: 'false',
          JWT_ACCESS_SECRET: jwtSecret,
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
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new ServerProcess(child, port, jwtSecret);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get http(): HttpClient {
    return new HttpClient(this.baseUrl);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything the server printed: its logs, and the reason when it failed. */
  get logs(): string {
    return this.output;
  }

  /** Resident memory of the server process (Linux). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kilobytes = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    if (!kilobytes) throw new Error(`no VmRSS for process ${this.pid}`);
    return Number(kilobytes) * 1024;
  }

  /** Sends the signal and resolves with the exit code (null when the signal killed it). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.running) return Promise.resolve(this.child.exitCode);
    const exited = new Promise<number | null>((resolve) =>
      this.child.once('exit', (code) => resolve(code)),
    );
    this.child.kill(signal);
    return exited;
  }

  /** The exit code of a process left to end by itself, once all its output is read. */
  exited(): Promise<number | null> {
    return this.closed;
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the server exited:\n${this.output}`);
      if ((await probe(`${this.baseUrl}/health/ready`)) === '200') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the server did not become ready:\n${this.output}`);
  }
}

/** One request on a connection of its own: the status, or the network error's code. */
export function probe(url: string, token?: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve(`${error.code ?? 'error'} mid-response`),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'request error'));
    req.end();
  });
}
