import { Inject, Injectable } from '@nestjs/common';
import { Socket } from 'socket.io';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SocketData, userRoom } from './socket-events';

interface Typing {
  chatId: number;
  topic: string;
  timer: NodeJS.Timeout;
}

/**
 * Typing indicators: relayed to the chat's other participants only, and switched off by the
 * server when the client goes quiet for the typing timeout (or disconnects).
 */
@Injectable()
export class TypingService {
  private readonly active = new Map<string, Typing>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  update(socket: Socket, chatId: number, topic: string, isTyping: boolean): void {
    const key = `${socket.id}:${chatId}`;
    const previous = this.active.get(key);
    if (previous) clearTimeout(previous.timer);
    this.active.delete(key);
    relay(socket, chatId, topic, isTyping);
    if (!isTyping) return;
    const timer = setTimeout(() => {
      this.active.delete(key);
      relay(socket, chatId, topic, false);
    }, this.config.realtime.typingTimeoutMs);
    this.active.set(key, { chatId, topic, timer });
  }

  /** The socket went away: whatever it was typing, it no longer is. */
  stopAll(socket: Socket): void {
    for (const [key, typing] of this.active) {
      if (!key.startsWith(`${socket.id}:`)) continue;
      clearTimeout(typing.timer);
      this.active.delete(key);
      relay(socket, typing.chatId, typing.topic, false);
    }
  }
}

function relay(socket: Socket, chatId: number, topic: string, isTyping: boolean): void {
  const { userId } = socket.data as SocketData;
  socket.to(topic).except(userRoom(userId)).emit('typing', { chatId, userId, isTyping });
}
