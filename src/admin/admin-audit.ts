import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AdminAuditEntry } from './entities/admin-audit-entry.entity';

/** What the audit log keeps of a request. */
export interface AuditedRequest {
  method: string;
  url: string;
  ip: string;
  id: string;
  params: Record<string, string>;
}

/**
 * The audit log of the admin API: every call, answered or refused. Written after the answer, on its
 * own: a call is never refused because its audit row could not be written (that is logged instead).
 */
@Injectable()
export class AdminAudit {
  private readonly logger = new Logger(AdminAudit.name);

  constructor(
    @InjectRepository(AdminAuditEntry) private readonly entries: Repository<AdminAuditEntry>,
  ) {}

  record(operation: string, request: AuditedRequest, status: number): void {
    const entry = this.entries.create({
      operation: operation.slice(0, 64),
      method: request.method.slice(0, 8),
      route: request.url.split('?')[0].slice(0, 200),
      params: request.params,
      status,
      clientIp: request.ip.slice(0, 64),
      requestId: String(request.id).slice(0, 128),
    });
    this.entries
      .insert(entry)
      .catch((error: unknown) =>
        this.logger.error({ err: error, operation, status }, 'Could not write the admin audit log'),
      );
  }
}
