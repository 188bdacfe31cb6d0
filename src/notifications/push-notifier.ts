import { Inject, Injectable, Logger } from '@nestjs/common';
import { ChatsService } from '../chats/chats.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BlocksService } from '../friends/blocks.service';
import { MessagesService } from '../messages/messages.service';
import { MetricsService } from '../metrics/metrics.service';
import { PresenceService } from '../realtime/presence.service';
import { UsersService } from '../users/users.service';
import { PushSubscription } from './entities/push-subscription.entity';
import { PushJob } from './notification-fanout';
import { OutboundError, OutboundHttp } from './outbound-http';
import { PushSubscriptionsRepository } from './push-subscriptions.repository';

/** What a push shows at most of a message's text. */
const PREVIEW_LENGTH = 200;
/** How long a push service keeps a push for a device that is off. */
const PUSH_TTL_SECONDS = 24 * 3600;

/** The push's JSON, decrypted by the device's service worker. */
export interface PushPayload {
  type: 'message.created';
  chatId: number;
  chatType: 'direct' | 'group';
  chatName: string | null;
  messageId: number;
  seq: number;
  senderId: number;
  senderName: string;
  mentioned: boolean;
  /** The text's start; absent with PUSH_INCLUDE_BODY=false (or for a message of files only). */
  body?: string;
}

/**
 * Pushes a new message, once the push delay has passed, to those who still have not seen it: the
 * chat's participants but the sender who have not read up to it, have no socket connected to any
 * replica, do not block the sender, and have not muted the chat (unless it mentions them).
 */
@Injectable()
export class PushNotifier {
  private readonly logger = new Logger(PushNotifier.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly chats: ChatsService,
    private readonly messages: MessagesService,
    private readonly blocks: BlocksService,
    private readonly users: UsersService,
    private readonly presence: PresenceService,
    private readonly subscriptions: PushSubscriptionsRepository,
    private readonly http: OutboundHttp,
    private readonly metrics: MetricsService,
  ) {}

  async push(job: PushJob): Promise<void> {
    if (!this.config.push.vapid) return;
    const message = await this.messages.current(job.chatId, job.messageId);
    if (!message || message.deletedAt) return;
    const { chat, recipients } = await this.chats.unreadRecipients(
      job.chatId,
      job.seq,
      job.senderId,
      job.mentions,
    );
    if (!chat || recipients.length === 0) return;
    // Most people have no subscription: only those who do cost a look at blocks and presence.
    const subscribed = await this.subscriptions.listOf(recipients.map((r) => r.userId));
    if (subscribed.length === 0) return;
    const ids = [...new Set(subscribed.map((subscription) => subscription.userId))];
    const blockers = await this.blocks.blockersAmong(job.senderId, ids);
    const online = await this.presence.onlineAmong(ids);
    const subscriptions = subscribed.filter(
      ({ userId }) => !blockers.has(userId) && !online.has(userId),
    );
    if (subscriptions.length === 0) return;
    const sender = await this.users.getOrThrow(job.senderId).catch(() => null);
    const mentioned = new Set(recipients.filter((r) => r.mentioned).map((r) => r.userId));
    const payload = (userId: number): PushPayload => ({
      type: 'message.created',
      chatId: chat.id,
      chatType: chat.type,
      chatName: chat.name,
      messageId: message.id,
      seq: message.seq,
      senderId: message.senderId,
      senderName: sender?.displayName ?? 'Someone',
      mentioned: mentioned.has(userId),
      ...(this.config.push.includeBody && message.body ? { body: preview(message.body) } : {}),
    });
    await Promise.all(
      subscriptions.map((subscription) =>
        this.send(subscription, payload(subscription.userId), chat.type === 'direct'),
      ),
    );
  }

  /** One device: a failure is counted and logged, never thrown, so no other device hears twice. */
  private async send(
    subscription: PushSubscription,
    payload: PushPayload,
    direct: boolean,
  ): Promise<void> {
    try {
      const status = await this.post(subscription, payload, direct);
      if (status === 404 || status === 410) {
        await this.subscriptions.deleteById(subscription.id);
        this.metrics.pushNotifications.inc({ result: 'expired' });
      } else if (status >= 200 && status < 300) {
        this.metrics.pushNotifications.inc({ result: 'sent' });
      } else {
        this.metrics.pushNotifications.inc({ result: 'failed' });
        this.logger.warn(
          { status, subscriptionId: subscription.id },
          'The push service refused a push',
        );
      }
    } catch (error) {
      this.metrics.pushNotifications.inc({ result: 'failed' });
      this.logger.warn(
        {
          reason: error instanceof OutboundError ? error.reason : String(error),
          subscriptionId: subscription.id,
        },
        'Could not push',
      );
    }
  }

  /** Encrypts the payload for the device (RFC 8291) and posts it with VAPID; answers the status. */
  private async post(
    subscription: PushSubscription,
    payload: PushPayload,
    direct: boolean,
  ): Promise<number> {
    const { publicKey, privateKey, subject } = this.config.push.vapid!;
    // Loaded with the first push (some 10 MB resident), not at start, where push may be off; a
    // require, not import(): jest runs import() only behind an experimental flag.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generateRequestDetails } = require('web-push') as typeof import('web-push');
    const request = generateRequestDetails(
      {
        endpoint: subscription.endpoint,
        keys: { p256dh: subscription.p256dh, auth: subscription.auth },
      },
      JSON.stringify(payload),
      {
        vapidDetails: { subject, publicKey, privateKey },
        TTL: PUSH_TTL_SECONDS,
        urgency: direct || payload.mentioned ? 'high' : 'normal',
        // A device that was off gets the chat's latest push only, not one per message.
        topic: `chat${payload.chatId}`,
      },
    );
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
    ) as Record<string, string>;
    const answer = await this.http.post(
      request.endpoint,
      headers,
      request.body,
      this.config.webhooks.timeoutMs,
    );
    return answer.status;
  }
}

/** The text's start, cut between characters (never inside a surrogate pair). */
function preview(body: string): string {
  return body.length <= PREVIEW_LENGTH ? body : Array.from(body).slice(0, PREVIEW_LENGTH).join('');
}
