import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ShutdownState } from '../common/lifecycle/shutdown-state';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MessagesService } from '../messages/messages.service';
import { PresenceService } from './presence.service';
import { SocketRouter } from './socket-router';
import { SocketServer } from './socket-server';

/**
 * Drains the instance before the database pool closes (Nest closes it in onApplicationShutdown, after
 * this hook): readiness turns false, and every new request or socket event gets a complete answer
 * that sends it elsewhere (503 SHUTTING_DOWN with Connection: close; ok:false SHUTTING_DOWN); the
 * HTTP requests, socket events (message sends among them) and presence updates already in flight
 * finish (their acks go out); then the sockets' transports close so clients reconnect to another
 * replica. The port itself closes last, in Nest's dispose, once nothing is being served.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly state: ShutdownState,
    private readonly messages: MessagesService,
    private readonly sockets: SocketServer,
    private readonly presence: PresenceService,
    private readonly router: SocketRouter,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    this.state.begin();
    const drained = Promise.all([
      this.state.requestsDrained(),
      this.router.idle(),
      this.messages.idle(),
      this.presence.idle(),
    ]);
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs).unref(),
    );
    if ((await Promise.race([drained, timeout])) === 'timeout') {
      this.logger.warn('Drain time is up: closing with work still in flight');
    }
    if (this.sockets.ready) this.sockets.io.engine.close();
  }
}
