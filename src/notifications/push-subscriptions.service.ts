import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CreatePushSubscriptionDto } from './dto/create-push-subscription.dto';
import { PushSubscriptionResponseDto } from './dto/push-subscription-response.dto';
import { NotificationsError, NotificationsErrorCode } from './notifications.errors';
import { OutboundPolicy } from './outbound-policy';
import { PushSubscriptionsRepository } from './push-subscriptions.repository';

/** Devices one user may have subscribed at once. */
export const MAX_PUSH_SUBSCRIPTIONS = 20;

/** People's Web Push subscriptions: their browsers and devices that want to hear while offline. */
@Injectable()
export class PushSubscriptionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: PushSubscriptionsRepository,
    private readonly policy: OutboundPolicy,
  ) {}

  /** The public VAPID key browsers subscribe with (applicationServerKey). */
  publicKey(): string {
    const vapid = this.config.push.vapid;
    if (!vapid) throw NotificationsError.pushDisabled();
    return vapid.publicKey;
  }

  async subscribe(
    userId: number,
    { endpoint, keys }: CreatePushSubscriptionDto,
  ): Promise<PushSubscriptionResponseDto> {
    this.publicKey();
    const refusal = await this.policy.refusal(endpoint);
    if (refusal) {
      throw new NotificationsError(
        NotificationsErrorCode.PUSH_ENDPOINT_FORBIDDEN,
        `endpoint is not allowed: ${refusal}`,
      );
    }
    const stored = await this.repository.upsertWithinLimit(
      { userId, endpoint, p256dh: keys.p256dh, auth: keys.auth },
      MAX_PUSH_SUBSCRIPTIONS,
    );
    if (!stored) {
      throw new NotificationsError(
        NotificationsErrorCode.PUSH_SUBSCRIPTION_LIMIT,
        `At most ${MAX_PUSH_SUBSCRIPTIONS} push subscriptions per user: unsubscribe an old device first`,
      );
    }
    return {
      id: stored.id,
      endpoint: stored.endpoint,
      createdAt: new Date(stored.createdAt).toISOString(),
    };
  }

  /** Idempotent: an endpoint that is not (or no longer) mine changes nothing. */
  /** Ends every subscription of the user: their account is deleted. */
  unsubscribeAll(userId: number): Promise<void> {
    return this.repository.deleteAllOf(userId);
  }

  unsubscribe(userId: number, endpoint: string): Promise<void> {
    return this.repository.delete(userId, endpoint);
  }
}
