import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IncomingMessage } from 'node:http';
import { AuthUser } from '../common/auth/auth-user';
import { IS_PUBLIC } from '../common/auth/public.decorator';
import { noteRequestUser } from '../common/logging/request-log';
import { JwtStrategy } from './jwt.strategy';

/** The global guard: every route needs a valid access token unless it is marked @Public(). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<{ user?: AuthUser; raw?: IncomingMessage }>();
    request.user = await this.strategy.authenticateRequest(request);
    noteRequestUser(request, request.user.id);
    return true;
  }
}
