import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';
import { PushSubscription } from './entities/push-subscription.entity';

export type NewPushSubscription = Pick<PushSubscription, 'userId' | 'endpoint' | 'p256dh' | 'auth'>;

/** Keeps concurrent subscribes of one user from passing the limit together. */
const PUSH_SUBSCRIPTIONS_LOCK = 0x70757368;

/** The only code that touches push_subscriptions; it joins the ambient transaction. */
@Injectable()
export class PushSubscriptionsRepository {
  constructor(private readonly db: TransactionHost) {}

  private get manager() {
    return this.db.manager;
  }

  /**
   * Stores the subscription for the user (taking the endpoint over from whoever had it), unless the
   * user has `limit` others already: then nothing changes and null is answered.
   */
  upsertWithinLimit(
    subscription: NewPushSubscription,
    limit: number,
  ): Promise<PushSubscription | null> {
    return this.db.run(async () => {
      await this.manager.query('SELECT pg_advisory_xact_lock($1, $2)', [
        PUSH_SUBSCRIPTIONS_LOCK,
        subscription.userId,
      ]);
      const [{ others }]: { others: number }[] = await this.manager.query(
        'SELECT count(*)::int AS others FROM push_subscriptions WHERE user_id = $1 AND endpoint <> $2',
        [subscription.userId, subscription.endpoint],
      );
      if (others >= limit) return null;
      const rows: PushSubscription[] = await this.manager.query(
        `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (endpoint) DO UPDATE
           SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth
         RETURNING id, user_id AS "userId", endpoint, p256dh, auth, created_at AS "createdAt"`,
        [subscription.userId, subscription.endpoint, subscription.p256dh, subscription.auth],
      );
      return rows[0];
    });
  }

  async deleteAllOf(userId: number): Promise<void> {
    await this.manager.delete(PushSubscription, { userId });
  }

  async delete(userId: number, endpoint: string): Promise<void> {
    await this.manager.delete(PushSubscription, { userId, endpoint });
  }

  /** Removes a subscription the push service no longer knows (it answered 404 or 410). */
  async deleteById(id: number): Promise<void> {
    await this.manager.delete(PushSubscription, { id });
  }

  listOf(userIds: number[]): Promise<PushSubscription[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return this.manager.query(
      `SELECT id, user_id AS "userId", endpoint, p256dh, auth, created_at AS "createdAt"
         FROM push_subscriptions WHERE user_id = ANY($1::int[]) ORDER BY id`,
      [userIds],
    );
  }
}
