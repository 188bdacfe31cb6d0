import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';

type State = 'up' | 'down' | 'gone';

/** A real PostgreSQL server of its own, which the test can stop and start again. */
export class DisposablePostgres {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<DisposablePostgres> {
    const port = await freePort();
    const dir = join(
      __dirname,
      '../../.data',
      `disposable-${process.pid}-${randomBytes(3).toString('hex')}`,
    );
    const child = fork(join(__dirname, '../support/disposable-postgres.mjs'), [dir, String(port)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const server = new DisposablePostgres(child, port);
    await server.next('up');
    return server;
  }

  url(database: string): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
    return this.url(name);
  }

  async stop(): Promise<void> {
    this.child.send('stop');
    await this.next('down');
  }

  async restart(): Promise<void> {
    this.child.send('start');
    await this.next('up');
  }

  async shutdown(): Promise<void> {
    if (!this.child.connected) return;
    this.child.send('dispose');
    await this.next('gone');
  }

  private next(expected: State): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`postgres did not become ${expected} in time`)),
        60_000,
      );
      this.child.once('message', (message: { state: string; error?: string }) => {
        clearTimeout(timer);
        if (message.state === expected) resolve();
        else
          reject(
            new Error(
              `postgres: expected ${expected}, got ${message.state} ${message.error ?? ''}`,
            ),
          );
      });
    });
  }
}
