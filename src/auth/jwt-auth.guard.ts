import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IncomingHttpHeaders } from 'node:http';
import { AuthUser } from '../common/auth/auth-user';
import { IS_PUBLIC } from '../common/auth/public.decorator';
import { AccessTokenVerifier } from './access-token.verifier';
import { bearerToken } from './bearer-token';

/** The global guard: every route needs a valid access token unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context
      .switchToHttp()
      .getRequest<{ headers: IncomingHttpHeaders; user?: AuthUser }>();
    const { user } = await this.verifier.verify(bearerToken(request.headers.authorization));
    request.user = user;
    return true;
  }
}
