import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outgoing notifications: webhook endpoints, the events owed to them and each delivery's state,
 * and Web Push subscriptions. The job queue itself is pg-boss's schema (the next migration).
 */
export class Notifications1796402711021 implements MigrationInterface {
  name = 'Notifications1796402711021';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "push_subscriptions" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "user_id" integer NOT NULL, "endpoint" text NOT NULL, "p256dh" text NOT NULL, "auth" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "push_subscriptions_endpoint_key" UNIQUE ("endpoint"), CONSTRAINT "push_subscriptions_endpoint" CHECK (char_length("endpoint") <= 2048), CONSTRAINT "push_subscriptions_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "push_subscriptions_user_idx" ON "push_subscriptions"  ("user_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "endpoint_id" integer NOT NULL, "event_id" uuid NOT NULL, "status" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "last_status_code" smallint, "last_error" text, "last_attempt_at" TIMESTAMP(3) WITH TIME ZONE, "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE, "delivered_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "webhook_deliveries_endpoint_event_key" UNIQUE ("endpoint_id", "event_id"), CONSTRAINT "webhook_deliveries_delivered" CHECK (("status" = 'succeeded') = ("delivered_at" IS NOT NULL)), CONSTRAINT "webhook_deliveries_attempts" CHECK ("attempts" >= 0), CONSTRAINT "webhook_deliveries_status" CHECK ("status" IN ('pending', 'succeeded', 'failed')), CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_event_idx" ON "webhook_deliveries"  ("event_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_endpoint_idx" ON "webhook_deliveries"  ("endpoint_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoints" ("id" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "url" text NOT NULL, "events" text array NOT NULL, "secret" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "disabled_reason" text, "consecutive_failures" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "webhook_endpoints_disabled" CHECK ("enabled" OR "disabled_reason" IS NOT NULL), CONSTRAINT "webhook_endpoints_failures" CHECK ("consecutive_failures" >= 0), CONSTRAINT "webhook_endpoints_events" CHECK (cardinality("events") BETWEEN 1 AND 50), CONSTRAINT "webhook_endpoints_url" CHECK (char_length("url") <= 2048), CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_events" ("id" uuid NOT NULL, "type" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "data" jsonb NOT NULL, CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_events_created_idx" ON "webhook_events" ("created_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_endpoint_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_event_id_fkey"`,
    );
    await queryRunner.query(
      `ALTER TABLE "push_subscriptions" DROP CONSTRAINT "push_subscriptions_user_id_fkey"`,
    );
    await queryRunner.query(`DROP INDEX "public"."webhook_events_created_idx"`);
    await queryRunner.query(`DROP TABLE "webhook_events"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_endpoint_idx"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_event_idx"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."push_subscriptions_user_idx"`);
    await queryRunner.query(`DROP TABLE "push_subscriptions"`);
  }
}
