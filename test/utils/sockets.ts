import { io, Socket } from 'socket.io-client';

export type ClientSocket = Socket;

export interface ConnectOptions {
  token?: string;
  headers?: Record<string, string>;
  origin?: string;
  /** Called before the connection opens: listeners added here hear what arrives right after "connect". */
  onCreate?: (socket: ClientSocket) => void;
}

const WAIT_MS = 5000;

/** A real socket.io-client connection; resolves once connected, rejects with the connect_error. */
export function connectSocket(
  baseUrl: string,
  options: ConnectOptions = {},
): Promise<ClientSocket> {
  const headers = { ...options.headers, ...(options.origin ? { origin: options.origin } : {}) };
  const socket = io(baseUrl, {
    auth: options.token === undefined ? {} : { token: options.token },
    extraHeaders: headers,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  options.onCreate?.(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Resolves with the next `event` payload that matches, or fails after a timeout. */
export function nextEvent<T = any>(
  socket: ClientSocket,
  event: string,
  matches: (payload: T) => boolean = () => true,
  timeoutMs = WAIT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Every payload of `event` from now on. */
export function record<T = any>(socket: ClientSocket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

export function send<T = any>(socket: ClientSocket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(WAIT_MS).emitWithAck(event, ...args);
}

/**
 * A round trip on this socket. Packets to one socket arrive in order, so anything the server sent
 * it before answering has arrived once this resolves: "nothing arrived" can be asserted without sleeps.
 */
export async function barrier(socket: ClientSocket): Promise<void> {
  await send(socket, 'barrier');
}

/** Waits until `socket` is disconnected by the server, with the reason. */
export function nextDisconnect(socket: ClientSocket, timeoutMs = WAIT_MS): Promise<string> {
  return nextEvent<string>(socket, 'disconnect', () => true, timeoutMs);
}
