import WebSocket from 'ws';

export interface HeapFigures {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
}

/**
 * The V8 inspector of a server started with `NODE_OPTIONS=--inspect=127.0.0.1:<port>`: it can
 * force a full garbage collection and read `process.memoryUsage()` inside the server, so a memory
 * figure says what is still referenced, not what the collector has not got round to yet.
 */
export class InspectorClient {
  private nextId = 0;
  private readonly pending = new Map<number, (message: any) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      const resolve = this.pending.get(message.id);
      if (resolve) {
        this.pending.delete(message.id);
        resolve(message);
      }
    });
  }

  static async connect(port: number): Promise<InspectorClient> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new InspectorClient(socket);
  }

  /** Full collections until the used heap stops shrinking, then the memory figures. */
  async memoryAfterGc(): Promise<HeapFigures> {
    let figures = await this.memory();
    for (let i = 0; i < 5; i += 1) {
      await this.call('HeapProfiler.collectGarbage');
      const after = await this.memory();
      const settled = after.heapUsedBytes > figures.heapUsedBytes - 512 * 1024;
      figures = after;
      if (settled) break;
    }
    return figures;
  }

  async memory(): Promise<HeapFigures> {
    const answer = await this.call('Runtime.evaluate', {
      expression: 'process.memoryUsage()',
      returnByValue: true,
    });
    const usage = answer.result.result.value as Record<string, number>;
    return {
      rssBytes: usage.rss,
      heapUsedBytes: usage.heapUsed,
      externalBytes: usage.external,
      arrayBuffersBytes: usage.arrayBuffers,
    };
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string, params: object = {}): Promise<any> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: no answer to ${method}`));
      }, 30_000);
      this.pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`inspector: ${JSON.stringify(message.error)}`));
        else resolve(message);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
}
