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
  body?: unknown;
}

/** Bodies larger than this (as JSON) are recorded as their size only. */
const MAX_AUDITED_BODY = 4096;
/** Keys whose values never reach the log, at any depth: a webhook's secret, say. */
const SECRET_KEY = /secret|password|token/i;

/**
 * What the audit log keeps of a body: the JSON as sent, with the value of every key that names a
 * secret replaced, or, past MAX_AUDITED_BODY, only its size. Null without a JSON body.
 */
export function auditedBody(body: unknown): object | null {
  if (body === undefined || body === null || typeof body !== 'object') return null;
  const json = JSON.stringify(body, (key, value: unknown) =>
    key !== '' && SECRET_KEY.test(key) ? '[redacted]' : value,
  );
  return json.length > MAX_AUDITED_BODY
    ? { omittedBytes: json.length }
    : (JSON.parse(json) as object);
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
      body: auditedBody(request.body),
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
