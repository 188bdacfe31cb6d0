import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { IncomingMessage } from 'node:http';
import { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config';
import { Backplane, connectBackplane } from './backplane';
import { ShutdownState } from '../common/lifecycle/shutdown-state';

/**
 * The Socket.IO server as configured: origin allowlist, payload cap, and the backplane that carries
 * emits between replicas.
 */
export class RealtimeIoAdapter extends IoAdapter {
  private backplane: Backplane | null = null;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly shutdown: ShutdownState,
  ) {
    super(app);
  }

  async connect(): Promise<void> {
    this.backplane = await connectBackplane(this.config);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const origins = this.config.http.corsOrigins;
    const server: Server = super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      serveClient: false,
      maxHttpBufferSize: Math.max(
        this.config.realtime.maxPacketBytes,
        this.config.realtime.maxEventBytes,
      ),
      cors: { origin: origins },
      // CORS alone does not stop a foreign page from opening a websocket: check the Origin here.
      allowRequest: (
        request: IncomingMessage,
        callback: (error: string | null, allowed: boolean) => void,
      ) => {
        const origin = request.headers.origin;
        const originAllowed = !origin || origins === true || origins.includes(origin);
        // A draining instance takes no new sockets: the client's retry reaches another replica.
        callback(null, originAllowed && !this.shutdown.shuttingDown);
      },
    });
    if (this.backplane) server.adapter(this.backplane.adapter);
    return server;
  }

  override async dispose(): Promise<void> {
    await this.backplane?.close();
  }
}
