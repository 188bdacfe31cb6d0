import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pending deliveries, for the sweep that finds those left without a job. Built in the
 * migration's transaction: it holds off writes to webhook_deliveries (the fan-out and the workers
 * wait, the send path does not touch the table) only while it reads the table once.
 */
export class PendingDeliveries1796430000000 implements MigrationInterface {
  name = 'PendingDeliveries1796430000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_pending_idx" ON "webhook_deliveries" ("id") WHERE "status" = 'pending'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_pending_idx"`);
  }
}
