import { Inject, Logger, OnModuleDestroy, Type } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  WebSocketGateway,
} from '@nestjs/websockets';
import { Socket } from 'socket.io';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { ChatsService } from '../chats/chats.service';
import { ValidationFailedError } from '../common/errors/common-error';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { AppValidationPipe } from '../common/validation/app-validation.pipe';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MessagesService } from '../messages/messages.service';
import {
  ChatPayload,
  EditMessagePayload,
  MessagePayload,
  SendMessagePayload,
  SyncPayload,
  TypingPayload,
} from './dto/socket-payloads.dto';
import { readEverydaySend } from './dto/send-message-fast-path';
import { PresenceService } from './presence.service';
import { failure } from './socket-ack';
import { authenticateSockets } from './socket-auth';
import { Ack, ClientEventName, ClientEvents, SocketData, userRoom } from './socket-events';
import { ChatServer, SocketServer } from './socket-server';
import { ShutdownState } from '../common/lifecycle/shutdown-state';
import { MetricsService } from '../metrics/metrics.service';
import { SlowConsumerGuard } from './slow-consumer.guard';
import { TypingService } from './typing.service';

/**
 * The Socket.IO face of the chat services. Thin: validate the payload with the REST rules, call the
 * service (which authorizes), answer the ack. Nothing here throws to the client: every event is
 * answered `{ ok: true, ... }` or `{ ok: false, error }`.
 */
@WebSocketGateway()
export class ChatGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy
{
  private readonly logger = new Logger(ChatGateway.name);
  private readonly validation = new AppValidationPipe();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  /** Topics never change, so chat id → topic can be remembered. */
  private readonly topics = new Map<number, string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly verifier: AccessTokenVerifier,
    private readonly chats: ChatsService,
    private readonly messages: MessagesService,
    private readonly typing: TypingService,
    private readonly presence: PresenceService,
    private readonly rateLimiter: RateLimiterService,
    private readonly sockets: SocketServer,
    private readonly slowConsumers: SlowConsumerGuard,
    private readonly shutdown: ShutdownState,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(server: ChatServer): void {
    this.sockets.attach(server);
    server.use(authenticateSockets(this.verifier, (socket) => this.joinRooms(socket)));
    this.slowConsumers.watch(server);
  }

  /**
   * Runs during the handshake, so the socket is in all its rooms before the client hears "connect".
   * A membership change that commits between reading the rows and joining would be missed: its
   * room move targets the user room, which the socket joins first, and the rows are read again
   * after the joins, undoing any join the change made stale.
   */
  private async joinRooms(socket: Socket): Promise<void> {
    const { userId } = socket.data as SocketData;
    await socket.join(userRoom(userId));
    const joined = new Set(await this.topicsOf(userId));
    await socket.join([...joined]);
    const current = new Set(await this.topicsOf(userId));
    for (const topic of joined) if (!current.has(topic)) await socket.leave(topic);
    for (const topic of current) if (!joined.has(topic)) await socket.join(topic);
  }

  private async topicsOf(userId: number): Promise<string[]> {
    const rooms = await this.chats.roomsOf(userId);
    for (const { chatId, topic } of rooms) this.topics.set(chatId, topic);
    return rooms.map((room) => room.topic);
  }

  handleConnection(socket: Socket): void {
    this.metrics.connectedSockets.inc();
    this.scheduleExpiry(socket);
    socket.onAny((event: string, ...args: unknown[]) => void this.dispatch(socket, event, args));
    void this.presence.connected(socket);
  }

  handleDisconnect(socket: Socket): void {
    this.metrics.connectedSockets.dec();
    clearTimeout(this.expiryTimers.get(socket.id));
    this.expiryTimers.delete(socket.id);
    this.typing.stopAll(socket);
    // While this replica shuts down its sockets move to others: no presence flapping for that.
    if (!this.shutdown.shuttingDown)
      void this.presence.disconnected((socket.data as SocketData).userId);
  }

  onModuleDestroy(): void {
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    this.slowConsumers.stop();
  }

  send(socket: Socket, payload: unknown): Promise<Ack> {
    return this.respond(
      socket,
      ClientEvents.messageSend,
      SendMessagePayload,
      payload,
      async (userId, dto) => {
        const { message } = await this.messages.send(
          userId,
          dto.chatId,
          dto.body,
          dto.clientMessageId,
        );
        return { message };
      },
    );
  }

  edit(socket: Socket, payload: unknown): Promise<Ack> {
    return this.respond(
      socket,
      ClientEvents.messageEdit,
      EditMessagePayload,
      payload,
      async (userId, dto) => ({
        message: await this.messages.edit(userId, dto.chatId, dto.messageId, dto.body),
      }),
    );
  }

  delete(socket: Socket, payload: unknown): Promise<Ack> {
    return this.respond(
      socket,
      ClientEvents.messageDelete,
      MessagePayload,
      payload,
      async (userId, dto) => {
        await this.messages.delete(userId, dto.chatId, dto.messageId);
        return {};
      },
    );
  }

  /** Joins a chat's room after re-checking the participant row. */
  join(socket: Socket, payload: unknown): Promise<Ack> {
    return this.respond(
      socket,
      ClientEvents.chatJoin,
      ChatPayload,
      payload,
      async (userId, dto) => {
        const topic = await this.checkedTopic(userId, dto.chatId);
        await socket.join(topic);
        // A removal committed between the check and the join would have missed this socket.
        await this.chats.assertParticipant(dto.chatId, userId).catch(async (error: unknown) => {
          await socket.leave(topic);
          throw error;
        });
        return {};
      },
    );
  }

  read(socket: Socket, payload: unknown): Promise<Ack> {
    return this.respond(
      socket,
      ClientEvents.chatRead,
      MessagePayload,
      payload,
      async (userId, dto) => {
        await this.messages.markRead(userId, dto.chatId, dto.messageId);
        return {};
      },
    );
  }

  typingChanged(socket: Socket, payload: unknown): Promise<Ack> {
    return this.respond(
      socket,
      ClientEvents.typing,
      TypingPayload,
      payload,
      async (userId, dto) => {
        await this.rateLimiter.consumeLocal('typing', this.config.rateLimits.typing, socket.id);
        const topic = this.topics.get(dto.chatId);
        const inRoom = topic !== undefined && socket.rooms.has(topic);
        this.typing.update(
          socket,
          dto.chatId,
          inRoom ? topic : await this.checkedTopic(userId, dto.chatId),
          dto.isTyping,
        );
        return {};
      },
    );
  }

  /** What the client missed, oldest first: by seq (preferred) or by message id. */
  sync(socket: Socket, payload: unknown): Promise<Ack> {
    return this.respond(socket, ClientEvents.sync, SyncPayload, payload, (userId, dto) => {
      if (dto.afterSeq !== undefined && dto.afterMessageId !== undefined) {
        throw new ValidationFailedError(['give afterSeq or afterMessageId, not both']);
      }
      return this.messages.sync(userId, dto.chatId, dto, dto.limit ?? 50);
    });
  }

  /**
   * One listener per socket routes every client event to its handler. Nest's @SubscribeMessage
   * would build an rxjs pipeline per handler on every socket (seven per connection), which cost
   * memory per idle socket and time per message (docs/performance.md).
   */
  private readonly handlers = new Map<string, (socket: Socket, payload: unknown) => Promise<Ack>>([
    [ClientEvents.messageSend, (socket, payload) => this.send(socket, payload)],
    [ClientEvents.messageEdit, (socket, payload) => this.edit(socket, payload)],
    [ClientEvents.messageDelete, (socket, payload) => this.delete(socket, payload)],
    [ClientEvents.chatJoin, (socket, payload) => this.join(socket, payload)],
    [ClientEvents.chatRead, (socket, payload) => this.read(socket, payload)],
    [ClientEvents.typing, (socket, payload) => this.typingChanged(socket, payload)],
    [ClientEvents.sync, (socket, payload) => this.sync(socket, payload)],
  ]);

  /** Answers the ack (the last argument, when it is a function) with the handler's result. */
  private async dispatch(socket: Socket, event: string, args: unknown[]): Promise<void> {
    const ack =
      typeof args[args.length - 1] === 'function' ? (args.pop() as (answer: Ack) => void) : null;
    const handler = this.handlers.get(event);
    if (!handler) {
      ack?.({ ok: false, error: { code: 'UNKNOWN_EVENT', message: `Unknown event "${event}"` } });
      return;
    }
    const answer = await handler(socket, args.length > 1 ? args : args[0]);
    ack?.(answer);
  }

  private async respond<T extends object>(
    socket: Socket,
    event: ClientEventName,
    payloadType: Type<T>,
    payload: unknown,
    work: (userId: number, dto: T) => Promise<object>,
  ): Promise<Ack> {
    const started = performance.now();
    const ack = await this.answer(socket, payloadType, payload, work).catch((error: unknown) =>
      failure(error, this.logger, event),
    );
    this.metrics.socketEvents.inc({ event, result: ack.ok ? 'ok' : ack.error.code });
    if (event === ClientEvents.messageSend && ack.ok) {
      this.metrics.sendToAck.observe((performance.now() - started) / 1000);
    }
    return ack;
  }

  private async answer<T extends object>(
    socket: Socket,
    payloadType: Type<T>,
    payload: unknown,
    work: (userId: number, dto: T) => Promise<object>,
  ): Promise<Ack> {
    if (this.shutdown.shuttingDown) {
      return {
        ok: false,
        error: {
          code: 'SHUTTING_DOWN',
          message: 'This server is shutting down; reconnect and resend',
        },
      };
    }
    await this.rateLimiter.consumeLocal(
      'socket-events',
      this.config.rateLimits.socketEvents,
      socket.id,
    );
    const dto = await this.parse(payloadType, payload);
    return { ok: true, ...(await work((socket.data as SocketData).userId, dto)) };
  }

  /** The payload as its DTO, validated with the REST rules; message:send has a fast path. */
  private async parse<T extends object>(payloadType: Type<T>, payload: unknown): Promise<T> {
    const everyday =
      payloadType === (SendMessagePayload as Type<object>) ? readEverydaySend(payload) : null;
    if (everyday) return everyday as T;
    return (await this.validation.transform(payload, { type: 'body', metatype: payloadType })) as T;
  }

  /** The chat's topic, if the user is in the chat (404 otherwise). */
  private async checkedTopic(userId: number, chatId: number): Promise<string> {
    const { topic } = await this.chats.assertParticipant(chatId, userId);
    this.topics.set(chatId, topic);
    return topic;
  }

  /** When the access token expires the socket is told why, then disconnected: refresh and reconnect. */
  private scheduleExpiry(socket: Socket): void {
    const { expiresAt } = socket.data as SocketData;
    const timer = setTimeout(
      () => {
        socket.emit('session:expired', {
          code: 'TOKEN_EXPIRED',
          message: 'The access token has expired; refresh it and reconnect',
        });
        socket.disconnect(true);
      },
      Math.max(0, expiresAt - Date.now()),
    );
    this.expiryTimers.set(socket.id, timer);
  }
}
