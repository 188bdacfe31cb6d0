import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, tap } from 'rxjs';
import { DomainError } from '../common/errors/domain-error';
import { AdminAudit, AuditedRequest } from './admin-audit';

/** Where @ApiOperation keeps its options (@nestjs/swagger's DECORATORS.API_OPERATION, not exported). */
const API_OPERATION = 'swagger/apiOperation';

/** Records each admin call the guard let through, with the status it was answered. */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AdminAudit,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const operation = operationOf(this.reflector, context);
    const http = context.switchToHttp();
    const request = http.getRequest<AuditedRequest>();
    return next.handle().pipe(
      tap({
        next: () =>
          this.audit.record(
            operation,
            request,
            http.getResponse<{ statusCode: number }>().statusCode,
          ),
        error: (error: unknown) => this.audit.record(operation, request, statusOf(error)),
      }),
    );
  }
}

/** The route's OpenAPI operation id, else its handler's name. */
export function operationOf(reflector: Reflector, context: ExecutionContext): string {
  const operation = reflector.get<{ operationId?: string } | undefined>(
    API_OPERATION,
    context.getHandler(),
  );
  return operation?.operationId ?? context.getHandler().name;
}

function statusOf(error: unknown): number {
  if (error instanceof DomainError) return error.status;
  if (error instanceof HttpException) return error.getStatus();
  return 500;
}
