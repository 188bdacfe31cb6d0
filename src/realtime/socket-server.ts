import { Injectable } from '@nestjs/common';
import { Server } from 'socket.io';
import { ServerToClientEvents, SocketData } from './socket-events';

export type ChatServer = Server<
  Record<string, never>,
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
