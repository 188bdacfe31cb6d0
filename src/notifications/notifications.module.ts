import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminModule } from '../admin/admin.module';
import { ChatsModule } from '../chats/chats.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FriendsModule } from '../friends/friends.module';
import { MessagesModule } from '../messages/messages.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { UsersModule } from '../users/users.module';
import { AdminWebhooksController } from './admin-webhooks.controller';
import { PushSubscription } from './entities/push-subscription.entity';
import { WebhookDelivery } from './entities/webhook-delivery.entity';
import { WebhookEndpoint } from './entities/webhook-endpoint.entity';
import { WebhookEvent } from './entities/webhook-event.entity';
import { JobQueue } from './job-queue';
import { JobQueueMetrics } from './job-queue.metrics';
import { NotificationFanout } from './notification-fanout';
import { OUTBOUND_SOCKETS_PER_HOST } from './notification-queues';
import { NotificationWorkers } from './notification-workers';
import { NotificationsOutbox } from './notifications-outbox';
import { OutboundHttp } from './outbound-http';
import { OutboundPolicy } from './outbound-policy';
import { PushNotifier } from './push-notifier';
import { PushSubscriptionsController } from './push-subscriptions.controller';
import { PushSubscriptionsRepository } from './push-subscriptions.repository';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * What leaves the server: webhooks and Web Push, from a transactional outbox in the PostgreSQL job
 * queue (docs/operations.md, "Webhooks and push").
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEndpoint, WebhookEvent, WebhookDelivery, PushSubscription]),
    AdminModule,
    UsersModule,
    FriendsModule,
    ChatsModule,
    MessagesModule,
    RealtimeModule,
  ],
  controllers: [AdminWebhooksController, PushSubscriptionsController],
  providers: [
    JobQueue,
    JobQueueMetrics,
    NotificationsOutbox,
    NotificationFanout,
    NotificationWorkers,
    WebhooksRepository,
    WebhooksService,
    WebhookDeliverer,
    PushSubscriptionsRepository,
    PushSubscriptionsService,
    PushNotifier,
    {
      provide: OutboundPolicy,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new OutboundPolicy(config.outboundAllowedNetworks),
    },
    {
      provide: OutboundHttp,
      inject: [OutboundPolicy],
      useFactory: (policy: OutboundPolicy) => new OutboundHttp(policy, OUTBOUND_SOCKETS_PER_HOST),
    },
  ],
  exports: [JobQueue, PushSubscriptionsService],
})
export class NotificationsModule {}
