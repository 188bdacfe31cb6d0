import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { AuthUser } from '../common/auth/auth-user';
import { IS_PUBLIC } from '../common/auth/public.decorator';
import { noteRequestUser } from '../common/logging/request-log';
import { bearerToken } from './bearer-token';
import { ExternalTokenVerifier } from './external-token.verifier';
import { JwtStrategy } from './jwt.strategy';

/**
 * The global guard: every route needs a valid access token unless it is marked @Public(): ours
 * (passport-jwt), or one of the app's identity provider when one is trusted.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
    private readonly external: ExternalTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context
      .switchToHttp()
      .getRequest<{ user?: AuthUser; raw?: IncomingMessage; headers: IncomingHttpHeaders }>();
    const token = bearerToken(request.headers.authorization);
    request.user =
      token !== undefined && this.external.claimsProvider(token)
        ? (await this.external.verify(token)).user
        : await this.strategy.authenticateRequest(request);
    noteRequestUser(request, request.user.id);
    return true;
  }
}
