import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One call of the admin API, answered or refused: who (the admin token, from which address), what
 * (the operation, its parameters and body, never a body's secrets) and when, with the answer's
 * status.
 */
@Entity({ name: 'admin_audit_log' })
@Index('admin_audit_log_created_idx', ['createdAt'])
export class AdminAuditEntry {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'admin_audit_log_pkey',
  })
  id!: number;

  /** The operation id (createWebhook, provisionUser...). */
  @Column({ type: 'varchar', length: 64 })
  operation!: string;

  @Column({ type: 'varchar', length: 8 })
  method!: string;

  /** The route pattern and its parameters, as called. */
  @Column({ type: 'varchar', length: 200 })
  route!: string;

  @Column({ type: 'jsonb' })
  params!: Record<string, string>;

  /** The JSON body sent, secrets redacted (see auditedBody); null without one. */
  @Column({ type: 'jsonb', nullable: true })
  body!: object | null;

  @Column({ type: 'smallint' })
  status!: number;

  /** Who: the admin token, as seen from this client address. */
  @Column({ name: 'client_ip', type: 'varchar', length: 64 })
  clientIp!: string;

  @Column({ name: 'request_id', type: 'varchar', length: 128 })
  requestId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
