import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  WebSocketGateway,
} from '@nestjs/websockets';
import { Socket } from 'socket.io';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { ChatsService } from '../chats/chats.service';
import { UsersService } from '../users/users.service';
import { ValidationFailedError } from '../common/errors/common-error';
import { RateLimiterService } from '../common/rate-limit/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MessagesService } from '../messages/messages.service';
import { ReactionsService } from '../messages/reactions.service';
import { DEFAULT_PAGE_SIZE } from '../common/pagination/page';
import {
  ChatPayload,
  EditMessagePayload,
  MessagePayload,
  ReactionPayload,
  SendMessagePayload,
  SyncPayload,
  TypingPayload,
} from './dto/socket-payloads.dto';
import { readEverydaySend } from './dto/send-message-fast-path';
import { PresenceService } from './presence.service';
import { authenticateSockets } from './socket-auth';
import { ClientEvents, SocketData, userRoom } from './socket-events';
import { route, SocketRoutes } from './socket-route';
import { SocketRouter } from './socket-router';
import { ReaderMessages } from './reader-messages';
import { ChatServer, SocketServer } from './socket-server';
import { ShutdownState } from '../common/lifecycle/shutdown-state';
import { MetricsService } from '../metrics/metrics.service';
import { SlowConsumerGuard } from './slow-consumer.guard';
import { TypingService } from './typing.service';

/**
 * The Socket.IO face of the chat services: authenticates sockets, joins them to their rooms and
 * declares one route per client event; the router answers every event `{ ok: true, ... }` or
 * `{ ok: false, error }`, and the services authorize.
 */
@WebSocketGateway()
export class ChatGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy
{
  private readonly logger = new Logger(ChatGateway.name);
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  /** Chats never change type or topic, so a group's topic can be remembered. */
  private readonly groupTopics = new Map<number, string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly verifier: AccessTokenVerifier,
    private readonly chats: ChatsService,
    private readonly messages: MessagesService,
    private readonly reactions: ReactionsService,
    private readonly typing: TypingService,
    private readonly presence: PresenceService,
    private readonly rateLimiter: RateLimiterService,
    private readonly router: SocketRouter,
    private readonly sockets: SocketServer,
    private readonly slowConsumers: SlowConsumerGuard,
    private readonly readers: ReaderMessages,
    private readonly shutdown: ShutdownState,
    private readonly metrics: MetricsService,
    private readonly users: UsersService,
  ) {}

  afterInit(server: ChatServer): void {
    this.sockets.attach(server);
    this.readers.listen(server);
    server.use(
      authenticateSockets(this.verifier, async (socket) => {
        await this.joinRooms(socket);
        await this.presence.prepare(socket);
      }),
    );
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
    return (await this.chats.roomsOf(userId)).map((room) => room.topic);
  }

  handleConnection(socket: Socket): void {
    this.metrics.connectedSockets.inc();
    this.scheduleExpiry(socket);
    this.router.listen(socket, this.routes);
    void this.presence.connected(socket);
    void this.closeIfNoLongerActive(socket);
  }

  /**
   * A suspension that commits while a socket is mid-handshake closes the user's connected sockets,
   * which this one is not yet: asked again once it is connected, it closes itself.
   */
  private async closeIfNoLongerActive(socket: Socket): Promise<void> {
    try {
      const { userId } = socket.data as SocketData;
      if ((await this.users.standing(userId)) !== 'active') socket.disconnect(true);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not check a new socket’s account');
    }
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

  /** Every client event: its payload DTO, its handler and, through the handler, its ack. */
  readonly routes = {
    [ClientEvents.messageSend]: route({
      payload: SendMessagePayload,
      fastPath: readEverydaySend,
      // Sends wait in the batcher's group commit, not for a connection of their own.
      usesDatabase: false,
      handle: async ({ userId }, dto) => {
        const { chatId, body, clientMessageId } = dto;
        const replyToId = dto.replyToId ?? null;
        const sent = await this.messages.send({
          senderId: userId,
          chatId,
          body,
          clientMessageId,
          replyToId,
          attachmentIds: dto.attachmentIds ?? [],
          mentions: dto.mentions ?? [],
        });
        return { message: sent.message };
      },
    }),
    [ClientEvents.messageEdit]: route({
      payload: EditMessagePayload,
      usesDatabase: true,
      handle: async ({ userId }, dto) => ({
        message: await this.messages.edit(userId, dto.chatId, dto.messageId, dto),
      }),
    }),
    [ClientEvents.messageDelete]: route({
      payload: MessagePayload,
      usesDatabase: true,
      handle: async ({ userId }, dto) => {
        await this.messages.delete(userId, dto.chatId, dto.messageId);
        return {};
      },
    }),
    [ClientEvents.chatJoin]: route({
      payload: ChatPayload,
      usesDatabase: true,
      handle: async ({ socket, userId }, dto) => {
        const { topic } = await this.chats.assertParticipant(dto.chatId, userId);
        await socket.join(topic);
        // A removal committed between the check and the join would have missed this socket.
        await this.chats.assertParticipant(dto.chatId, userId).catch(async (error: unknown) => {
          await socket.leave(topic);
          throw error;
        });
        return {};
      },
    }),
    [ClientEvents.chatRead]: route({
      payload: MessagePayload,
      usesDatabase: true,
      handle: async ({ userId }, dto) => {
        await this.messages.markRead(userId, dto.chatId, dto.messageId);
        return {};
      },
    }),
    [ClientEvents.typing]: route({
      payload: TypingPayload,
      usesDatabase: true,
      handle: async ({ socket, userId }, dto) => {
        await this.rateLimiter.consume('typing', this.config.rateLimits.typing, String(userId));
        this.typing.update(
          socket,
          dto.chatId,
          await this.typingTopic(socket, userId, dto.chatId),
          dto.isTyping,
        );
        return {};
      },
    }),
    [ClientEvents.sync]: route({
      payload: SyncPayload,
      usesDatabase: true,
      handle: async ({ userId }, dto) => {
        const points = [dto.afterRev, dto.afterSeq, dto.afterMessageId];
        if (points.filter((point) => point !== undefined).length > 1) {
          throw new ValidationFailedError(['give one of afterRev, afterSeq and afterMessageId']);
        }
        const limit = dto.limit ?? DEFAULT_PAGE_SIZE;
        if (dto.afterRev === undefined) return this.messages.sync(userId, dto.chatId, dto, limit);
        return this.messages.changes(userId, dto.chatId, dto.afterRev, limit);
      },
    }),
    [ClientEvents.reactionSet]: route({
      payload: ReactionPayload,
      usesDatabase: true,
      handle: async ({ userId }, dto) => ({
        reaction: await this.reactions.set(userId, dto.chatId, dto.messageId, dto.emoji, dto.on),
      }),
    }),
  } satisfies SocketRoutes;

  /**
   * Typing reaches the others like a message: in a direct chat it passes the send gate each time
   * (a block or unfriending ends it); in a group the room the socket is in is proof enough.
   */
  private async typingTopic(socket: Socket, userId: number, chatId: number): Promise<string> {
    const group = this.groupTopics.get(chatId);
    if (group !== undefined && socket.rooms.has(group)) return group;
    const { topic, type } = await this.chats.assertMaySend({ chatId, userId });
    if (type === 'group') this.groupTopics.set(chatId, topic);
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
