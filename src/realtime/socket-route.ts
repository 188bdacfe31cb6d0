import { Type } from '@nestjs/common';
import { Socket } from 'socket.io';
import { Ack, ClientEventName } from './socket-events';

export interface SocketContext {
  socket: Socket;
  userId: number;
}

/**
 * One client event: the DTO its payload is validated as, the handler (which authorizes through
 * the services) and, through the handler's result, what the ack carries besides `ok: true`.
 */
export interface SocketRoute<P extends object, R extends object> {
  payload: Type<P>;
  /** Reads the everyday payload without the validation pipe; null sends it through the pipe. */
  fastPath?: (payload: unknown) => P | null;
  /**
   * Whether the handler queries the database. Such events of one user take turns beyond a few at
   * once, so that one user's flood cannot take the pool from the others.
   */
  usesDatabase: boolean;
  handle(context: SocketContext, payload: P): Promise<R>;
}

/** Declares a route; its payload and result types are inferred from the DTO and the handler. */
export function route<P extends object, R extends object>(
  definition: SocketRoute<P, R>,
): SocketRoute<P, R> {
  return definition;
}

// `any` only to let the table hold routes of different payload and result types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRoute = SocketRoute<any, any>;

/** A handler for every client event and nothing else. */
export type SocketRoutes = Record<ClientEventName, AnyRoute>;

type PayloadOf<R> = R extends SocketRoute<infer P, object> ? P : never;
type ResultOf<R> = R extends SocketRoute<object, infer A> ? A : never;

/** The client-to-server event map of a route table, as Socket.IO's typed sockets take it. */
export type ClientToServerEvents<Routes extends SocketRoutes> = {
  [E in keyof Routes]: (
    payload: PayloadOf<Routes[E]>,
    ack: (answer: Ack<ResultOf<Routes[E]>>) => void,
  ) => void;
};
