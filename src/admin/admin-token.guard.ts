import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { bearerToken } from '../auth/bearer-token';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AdminError, AdminErrorCode } from './admin.errors';

/**
 * The admin API's only credential is ADMIN_API_TOKEN, a secret apart from user tokens: a user's
 * access token is refused like any other wrong token. Compared in constant time (digests of equal
 * length), so the answer's timing tells nothing about how much of a guess was right.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.admin.token === null ? null : digest(config.admin.token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === null) throw new AdminError(AdminErrorCode.ADMIN_API_DISABLED);
    const { headers } = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    const token = bearerToken(headers.authorization);
    if (token === undefined) throw new AdminError(AdminErrorCode.ADMIN_TOKEN_MISSING);
    if (!timingSafeEqual(digest(token), this.expected)) {
      throw new AdminError(AdminErrorCode.ADMIN_TOKEN_INVALID);
    }
    return true;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
