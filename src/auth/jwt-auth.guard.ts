import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from '../common/auth/public.decorator';
import { AuthError, AuthErrorCode } from './auth.errors';

/** The global guard: every route needs a valid access token unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic || super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (error) throw error;
    if (user) return user;
    throw tokenError(info);
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
