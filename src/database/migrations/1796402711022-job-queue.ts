import PgBoss from 'pg-boss';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { JOB_QUEUE_SCHEMA } from '../../notifications/job-queue-schema';

/**
 * The job queue's tables, as pg-boss builds them, in a schema of their own. Its script opens its
 * own transaction under its own advisory lock, hence no transaction around this migration. A newer
 * pg-boss upgrades its schema itself when the app starts (it keeps its version in that schema).
 */
export class JobQueue1796402711022 implements MigrationInterface {
  name = 'JobQueue1796402711022';
  transaction = false as const;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(PgBoss.getConstructionPlans(JOB_QUEUE_SCHEMA));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA "${JOB_QUEUE_SCHEMA}" CASCADE`);
  }
}
