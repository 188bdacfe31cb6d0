import { Socket } from 'socket.io';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { bearerToken } from '../auth/bearer-token';
import { describeError } from '../common/errors/describe-error';
import { SocketData } from './socket-events';

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;

/**
 * Handshake authentication (guards do not run for a socket's connection): `auth.token`, or an
 * `Authorization: Bearer` header for non-browser clients. A refusal reaches the client as a
 * connect_error whose message says why and whose `data.code` is the error code.
 */
export function authenticateSockets(
  verifier: AccessTokenVerifier,
  onAuthenticated: (socket: Socket) => Promise<void>,
): Middleware {
  return (socket, next) => {
    Promise.resolve()
      .then(() => verifier.verify(tokenOf(socket)))
      .then(async ({ user, expiresAt }) => {
        const data: SocketData = { userId: user.id, username: user.username, expiresAt };
        socket.data = data;
        await onAuthenticated(socket);
        next();
      })
      .catch((error: unknown) => {
        const { body } = describeError(error);
        const refusal = new Error(String(body.message)) as Error & { data?: unknown };
        refusal.data = { code: body.code };
        next(refusal);
      });
  };
}

function tokenOf(socket: Socket): string | undefined {
  const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth;
  return bearerToken(socket.handshake.headers.authorization);
}
