import { Inject, Injectable } from '@nestjs/common';
import { AttachmentsService } from '../attachments/attachments.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MessageResponseDto } from '../messages/dto/message-response.dto';
import { ChatServer } from './socket-server';

type MessageEvent = 'message:new' | 'message:updated';

/** The server-side event that asks every replica to hand a message to its own sockets. */
const FOR_READERS = 'message-for-readers';

/**
 * Messages with files go to each socket of a chat's room with links signed for that socket's user:
 * a link names its reader, so one payload cannot serve the whole room. Each replica does this for
 * its own sockets (asked over the backplane); a message without files is one room broadcast.
 */
@Injectable()
export class ReaderMessages {
  private readonly shared: boolean;

  constructor(
    private readonly attachments: AttachmentsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.shared = config.realtime.adapter !== 'memory';
  }

  /** Listens for the other replicas' messages; once, when the server starts. */
  listen(io: ChatServer): void {
    const server = io as unknown as {
      on(event: string, listener: (...args: unknown[]) => void): void;
    };
    server.on(FOR_READERS, (topic, event, message) =>
      this.emitHere(io, topic as string, event as MessageEvent, message as MessageResponseDto),
    );
  }

  emit(io: ChatServer, topic: string, event: MessageEvent, message: MessageResponseDto): void {
    if (message.attachments.length === 0) {
      io.to(topic).emit(event, message);
      return;
    }
    this.emitHere(io, topic, event, message);
    if (this.shared) {
      (io as unknown as { serverSideEmit(...args: unknown[]): void }).serverSideEmit(
        FOR_READERS,
        topic,
        event,
        message,
      );
    }
  }

  private emitHere(
    io: ChatServer,
    topic: string,
    event: MessageEvent,
    message: MessageResponseDto,
  ): void {
    const room = io.sockets.adapter.rooms.get(topic);
    if (!room) return;
    const signed = new Map<number, MessageResponseDto>();
    for (const socketId of room) {
      const socket = io.sockets.sockets.get(socketId);
      if (!socket) continue;
      const reader = socket.data.userId;
      let payload = signed.get(reader);
      if (!payload) {
        payload = { ...message, attachments: this.attachments.resign(message.attachments, reader) };
        signed.set(reader, payload);
      }
      socket.emit(event, payload);
    }
  }
}
