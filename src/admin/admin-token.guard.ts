import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { bearerToken } from '../auth/bearer-token';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AdminAudit, AuditedRequest } from './admin-audit';
import { operationOf } from './admin-audit.interceptor';
import { AdminError, AdminErrorCode } from './admin.errors';

/**
 * The admin API's only credential is ADMIN_API_TOKEN, a secret apart from user tokens: a user's
 * access token is refused like any other wrong token. Compared in constant time (digests of equal
 * length), so the answer's timing tells nothing about how much of a guess was right. Refused calls
 * are audited like answered ones.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly audit: AdminAudit,
    private readonly reflector: Reflector,
  ) {
    this.expected = config.admin.token === null ? null : digest(config.admin.token);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<AuditedRequest & { headers: IncomingHttpHeaders }>();
    // While the API is off there is nothing to audit, and scanners cannot fill the log.
    if (this.expected === null) throw new AdminError(AdminErrorCode.ADMIN_API_DISABLED);
    const refusal = this.refusal(request.headers, this.expected);
    if (refusal) {
      this.audit.record(operationOf(this.reflector, context), request, refusal.status);
      throw refusal;
    }
    return true;
  }

  private refusal(headers: IncomingHttpHeaders, expected: Buffer): AdminError | null {
    const token = bearerToken(headers.authorization);
    if (token === undefined) return new AdminError(AdminErrorCode.ADMIN_TOKEN_MISSING);
    if (!timingSafeEqual(digest(token), expected)) {
      return new AdminError(AdminErrorCode.ADMIN_TOKEN_INVALID);
    }
    return null;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
