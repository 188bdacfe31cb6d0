import PgBoss from 'pg-boss';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { JOB_QUEUE_SCHEMA } from '../../notifications/job-queue-schema';

/** The queues the notifications module serves (src/notifications/notification-queues.ts). */
const QUEUES = ['notification-events', 'webhook-delivery', 'push-message'];

/**
 * The job queue's tables, as pg-boss builds them, in a schema of their own, and its queues. Its
 * script opens its own transaction under its own advisory lock, hence no transaction around this
 * migration. A newer pg-boss upgrades its schema itself when the app starts (it keeps its version in
 * that schema). Queues are made here, once, rather than by each replica at start: creating a queue
 * is DDL (a partition and its keys), and two replicas creating queues at once deadlock.
 */
export class JobQueue1796402711022 implements MigrationInterface {
  name = 'JobQueue1796402711022';
  transaction = false as const;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(PgBoss.getConstructionPlans(JOB_QUEUE_SCHEMA));
    for (const queue of QUEUES) {
      await queryRunner.query(`SELECT "${JOB_QUEUE_SCHEMA}".create_queue($1, $2)`, [
        queue,
        JSON.stringify({ policy: 'standard' }),
      ]);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA "${JOB_QUEUE_SCHEMA}" CASCADE`);
  }
}
