import { Injectable } from '@nestjs/common';
import { Server } from 'socket.io';
import type { ChatGateway } from './chat.gateway';
import { ServerToClientEvents, SocketData } from './socket-events';
import { ClientToServerEvents } from './socket-route';

/** The client events, typed from the gateway's routes: what a typed client socket may emit. */
export type ChatClientEvents = ClientToServerEvents<ChatGateway['routes']>;

export type ChatServer = Server<
  ChatClientEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** The Socket.IO server, handed over by the gateway once Nest has created it. */
@Injectable()
export class SocketServer {
  private server: ChatServer | null = null;

  attach(server: ChatServer): void {
    this.server = server;
  }

  get io(): ChatServer {
    if (!this.server) throw new Error('The Socket.IO server is not initialised yet');
    return this.server;
  }

  get ready(): boolean {
    return this.server !== null;
  }
}
