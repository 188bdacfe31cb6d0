import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ChatServer } from './socket-server';

const SWEEP_MS = 2000;

/**
 * A client that stops reading makes the server buffer everything sent to it. Past a limit the
 * socket is dropped: the client reconnects and catches up with `sync`, and memory stays bounded.
 */
@Injectable()
export class SlowConsumerGuard {
  private readonly logger = new Logger(SlowConsumerGuard.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  watch(server: ChatServer): void {
    this.timer = setInterval(() => this.sweep(server), SWEEP_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(server: ChatServer): void {
    for (const socket of server.of('/').sockets.values()) {
      const buffered = bufferedBytes(socket.conn);
      if (buffered <= this.config.realtime.slowConsumerBytes) continue;
      this.logger.warn(
        { userId: socket.data.userId, buffered },
        'Dropping a socket that does not read',
      );
      socket.disconnect(true);
    }
  }
}

interface EngineConnection {
  writeBuffer?: { data?: unknown }[];
  transport?: { socket?: { bufferedAmount?: number } };
}

/** Bytes queued for the client: in the websocket's send buffer, plus packets not yet flushed. */
function bufferedBytes(connection: unknown): number {
  const { writeBuffer = [], transport } = connection as EngineConnection;
  const queued = writeBuffer.reduce(
    (total, packet) => total + (typeof packet.data === 'string' ? packet.data.length : 64),
    0,
  );
  return (transport?.socket?.bufferedAmount ?? 0) + queued;
}
