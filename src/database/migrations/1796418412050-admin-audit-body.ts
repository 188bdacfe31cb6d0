import { MigrationInterface, QueryRunner } from 'typeorm';

/** The admin audit log records what each call asked for: its body, secrets redacted. */
export class AdminAuditBody1796418412050 implements MigrationInterface {
  name = 'AdminAuditBody1796418412050';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "admin_audit_log" ADD "body" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "admin_audit_log" DROP COLUMN "body"`);
  }
}
