import { Inject, Injectable } from '@nestjs/common';
import { IncomingHttpHeaders } from 'node:http';
import { Strategy } from 'passport-jwt';
import { AuthUser } from '../common/auth/auth-user';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AccessTokenClaims } from './access-token';
import { AccessTokenVerifier } from './access-token.verifier';
import { AuthError, AuthErrorCode } from './auth.errors';
import { bearerToken } from './bearer-token';

/**
 * passport-jwt checks the bearer token of HTTP requests. The token is taken from the header by our
 * linear parser, never by passport-jwt's own extractor (a regular expression that backtracks over a
 * long header). The strategy is run per app by the guard rather than through passport's
 * process-wide registry, so two app instances in one process (the two-replica tests) never borrow
 * each other's strategy.
 */
@Injectable()
export class JwtStrategy extends Strategy {
  constructor(@Inject(APP_CONFIG) config: AppConfig, verifier: AccessTokenVerifier) {
    super(
      {
        jwtFromRequest: (request: { headers: IncomingHttpHeaders }) =>
          bearerToken(request.headers.authorization) ?? null,
        secretOrKey: config.auth.accessTokenSecret,
        algorithms: ['HS256'],
        ignoreExpiration: false,
      },
      (claims: AccessTokenClaims, done: (error: unknown, user?: AuthUser | false) => void) => {
        verifier.userOf(claims).then(
          (user) => done(null, user),
          (error: unknown) => done(error, false),
        );
      },
    );
  }

  /** The user the request's access token names, or the AuthError saying what is wrong with it. */
  authenticateRequest(request: unknown): Promise<AuthUser> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this) as Strategy & Record<string, unknown>;
      attempt.success = (user: AuthUser) => resolve(user);
      attempt.fail = (info: unknown) => reject(tokenError(info));
      attempt.error = (error: unknown) => reject(error);
      attempt.authenticate(request as never, {});
    });
  }
}

function tokenError(info: unknown): AuthError {
  const { name, message } = (info ?? {}) as { name?: string; message?: string };
  if (name === 'TokenExpiredError') {
    return new AuthError(AuthErrorCode.TOKEN_EXPIRED, 'The access token has expired; refresh it');
  }
  if (message === 'No auth token') {
    return new AuthError(
      AuthErrorCode.TOKEN_MISSING,
      'Send an access token: Authorization: Bearer <token>',
    );
  }
  return new AuthError(AuthErrorCode.TOKEN_INVALID, 'The access token is invalid');
}
