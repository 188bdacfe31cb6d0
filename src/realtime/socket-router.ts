import { Inject, Injectable, Logger } from '@nestjs/common';
import { Socket } from 'socket.io';
import { TurnsByKey } from '../common/concurrency/turns-by-key';
import { RateLimitedError } from '../common/errors/common-error';
import { ShutdownState } from '../common/lifecycle/shutdown-state';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { AppValidationPipe } from '../common/validation/app-validation.pipe';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { failure } from './socket-ack';
import { Ack, ClientEvents, SocketData } from './socket-events';
import { SocketRoutes } from './socket-route';

type AckCallback = (answer: Ack) => void;

/**
 * Routes every client event of a socket through one listener to its route: answers the ack,
 * refuses what is too big, too many or too soon, validates the payload with the REST rules, and
 * maps errors to `{ ok: false, error }`. Nest's @SubscribeMessage would build an rxjs pipeline per
 * handler on every socket, which cost memory per idle socket and time per message.
 */
@Injectable()
export class SocketRouter {
  private readonly logger = new Logger(SocketRouter.name);
  private readonly validation = new AppValidationPipe();
  /** The size of the packet being decoded: Socket.IO decodes and routes it synchronously. */
  private readonly packetBytes = new WeakMap<Socket, number>();
  private readonly inFlight = new WeakMap<Socket, number>();
  /** Events being answered on any socket, for a shutdown (and a test) to wait for. */
  private running = 0;
  private readonly whenIdle: (() => void)[] = [];
  /** Database work of one user's events, over all their sockets here, a few at a time. */
  private readonly queriesOfUser: TurnsByKey;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rateLimiter: RateLimiterService,
    private readonly shutdown: ShutdownState,
    private readonly metrics: MetricsService,
  ) {
    this.queriesOfUser = new TurnsByKey(config.realtime.queriesPerUser);
  }

  listen(socket: Socket, routes: SocketRoutes): void {
    socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
      if (packet.type === 'message') this.packetBytes.set(socket, sizeOf(packet.data));
    });
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AckCallback) : null;
      const bytes = this.packetBytes.get(socket) ?? 0;
      void this.route(socket, routes, event, args.length > 1 ? args : args[0], bytes, ack);
    });
  }

  /** Resolves once every event received so far has been answered. */
  async idle(): Promise<void> {
    while (this.running > 0) await new Promise<void>((resolve) => this.whenIdle.push(resolve));
  }

  /**
   * Answers one event. The send path runs through here for every message, so it holds as few
   * promises as it can: two async functions, no chained handlers.
   */
  private async route(
    socket: Socket,
    routes: SocketRoutes,
    event: string,
    payload: unknown,
    bytes: number,
    ack: AckCallback | null,
  ): Promise<void> {
    this.running += 1;
    try {
      const route = Object.hasOwn(routes, event) ? routes[event as keyof SocketRoutes] : undefined;
      if (!route) {
        ack?.(refusal('UNKNOWN_EVENT', `Unknown event "${event}"`));
        return;
      }
      const started = performance.now();
      let answer: Ack;
      try {
        answer = await this.answer(socket, route, payload, bytes);
      } catch (error) {
        answer = failure(error, this.logger, event);
      }
      this.metrics.socketEvent(event, answer.ok ? 'ok' : answer.error.code);
      if (event === ClientEvents.messageSend && answer.ok) {
        this.metrics.sendToAck.observe((performance.now() - started) / 1000);
      }
      ack?.(answer);
    } finally {
      this.running -= 1;
      if (this.running === 0) for (const wake of this.whenIdle.splice(0)) wake();
    }
  }

  private async answer(
    socket: Socket,
    route: SocketRoutes[keyof SocketRoutes],
    payload: unknown,
    bytes: number,
  ): Promise<Ack> {
    if (this.shutdown.shuttingDown) {
      return refusal('SHUTTING_DOWN', 'This server is shutting down; reconnect and resend');
    }
    const { realtime, rateLimits } = this.config;
    if (bytes > realtime.maxEventBytes) {
      return refusal(
        'PAYLOAD_TOO_LARGE',
        `This event is ${bytes} bytes; the limit is ${realtime.maxEventBytes}`,
      );
    }
    const inFlight = this.inFlight.get(socket) ?? 0;
    if (inFlight >= realtime.maxInFlightPerSocket) throw new RateLimitedError(1);
    this.inFlight.set(socket, inFlight + 1);
    try {
      const { userId } = socket.data as SocketData;
      // Checked here as well as in the limiter: even a resolved await costs every event a turn.
      if (rateLimits.socketEvents) {
        await this.rateLimiter.consumeLocal('socket-events', rateLimits.socketEvents, socket.id);
      }
      if (rateLimits.socketEventsPerUser) {
        await this.rateLimiter.consume(
          'socket-events-user',
          rateLimits.socketEventsPerUser,
          `${userId}`,
        );
      }
      const dto = route.fastPath?.(payload) ?? (await this.parse(route.payload, payload));
      const work = () => route.handle({ socket, userId }, dto);
      const result: object = await (route.usesDatabase
        ? this.queriesOfUser.run(`${userId}`, work)
        : work());
      return { ok: true, ...result };
    } finally {
      this.inFlight.set(socket, (this.inFlight.get(socket) ?? 1) - 1);
    }
  }

  private async parse(payloadType: SocketRoutes[keyof SocketRoutes]['payload'], payload: unknown) {
    return (await this.validation.transform(payload, {
      type: 'body',
      metatype: payloadType,
    })) as object;
  }
}

function refusal(code: string, message: string): Ack {
  return { ok: false, error: { code, message } };
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Buffer.isBuffer(data)) return data.length;
  return 0;
}
