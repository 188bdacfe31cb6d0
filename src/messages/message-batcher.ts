import { Injectable } from '@nestjs/common';
import { ChatsService } from '../chats/chats.service';
import { ReadMarker } from '../chats/send-gate';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../database/pg-errors';
import { TransactionHost } from '../database/transaction-host';
import { MessageResponseDto } from './dto/message-response.dto';
import { Message } from './entities/message.entity';
import { MessageCreatedEvent, MessagesEvents } from './events/messages.events';
import { toMessageResponse } from './messages.mapper';
import { MessagesRepository, NewMessage } from './messages.repository';

export interface SendRequest {
  senderId: number;
  chatId: number;
  body: string;
  clientMessageId: string | null;
}

export interface StoredSend {
  message: MessageResponseDto;
  topic: string;
  /** False when the clientMessageId was used before: this is the first message, not a copy. */
  created: boolean;
}

/** A send of the batch was stored before: the optimistic flush gives way to one that looks first. */
class ResendInBatch extends Error {}

/** What a flush does with one send. */
type Decision = { refusal: Error } | { earlier: Message } | { fresh: number; resend: boolean };

interface Pending extends SendRequest {
  resolve(outcome: StoredSend): void;
  reject(error: unknown): void;
}

/** Big enough to amortise a flush; small enough to keep one flush's statements quick. */
const MAX_BATCH = 1000;

/**
 * A flush this old means the database is not answering (a healthy one takes milliseconds). Its
 * sends, those waiting behind it and new ones until it ends are then refused at once rather than
 * held for as long as the client-side query timeouts (a statement, then the rollback); clients
 * resend with the same clientMessageId, which is safe. If the flush commits after all, its
 * messages are still announced (message:new), and a resend gets the stored message back.
 */
export const STALLED_FLUSH_MS = 5000;

/**
 * Group commit of message sends. One flush is in flight at a time; sends arriving meanwhile form
 * the next batch, which flushes as soon as the previous one has committed (no timer, so an idle
 * server adds no latency). A flush is one transaction: lock the batch's chats, insert every message
 * in one statement, update each chat once. Each caller is answered only after that commit.
 */
@Injectable()
export class MessageBatcher {
  private queue: Pending[] = [];
  private inFlight: Pending[] = [];
  private flushing = false;
  private stalled = false;

  constructor(
    private readonly repository: MessagesRepository,
    private readonly chats: ChatsService,
    private readonly transactions: TransactionHost,
  ) {}

  send(request: SendRequest): Promise<StoredSend> {
    if (this.stalled) return Promise.reject(new DatabaseUnavailableError());
    return new Promise((resolve, reject) => {
      this.queue.push({ ...request, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  /** Resolves once every send handed over so far is stored and answered. */
  async idle(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await this.flushed;
  }

  private flushed: Promise<void> = Promise.resolve();

  private async drain(): Promise<void> {
    this.flushing = true;
    let done: () => void = () => undefined;
    this.flushed = new Promise((resolve) => (done = resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight = batch;
      const watchdog = setTimeout(() => this.stall(), STALLED_FLUSH_MS);
      try {
        await this.flush(batch);
      } finally {
        clearTimeout(watchdog);
        this.stalled = false;
        this.inFlight = [];
      }
    }
    this.flushing = false;
    done();
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.transactions
        .run(() => this.store(batch, false))
        .catch((error: unknown) => {
          if (!(error instanceof ResendInBatch)) throw error;
          return this.transactions.run(() => this.store(batch, true));
        });
      batch.forEach((send, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Error) send.reject(outcome);
        else send.resolve(outcome);
      });
    } catch (error) {
      // A send the database refuses (one the checks before it missed) must not fail the rest of
      // its batch: they are flushed one by one, so only that one fails. Not while the database is
      // away, where every one would fail again.
      const isolate = batch.length > 1 && !isDatabaseUnavailable(error) && !this.stalled;
      if (!isolate) {
        for (const send of batch) send.reject(error);
        return;
      }
      for (const send of batch) await this.flush([send]);
    }
  }

  private stall(): void {
    this.stalled = true;
    for (const send of [...this.inFlight, ...this.queue.splice(0)]) {
      send.reject(new DatabaseUnavailableError());
    }
  }

  /**
   * Inside the flush transaction: the outcome of each send, in order (an Error for refused ones).
   * Resends are rare (a lost ack), so the first attempt does not look them up: the insert skips a
   * row that collides with a stored one and the attempt is rolled back and redone with the lookup
   * (rolled back, so no seq is ever skipped).
   */
  private async store(batch: Pending[], lookUpResends: boolean): Promise<(StoredSend | Error)[]> {
    const gate = await this.chats.lockForSends(batch);
    const allowed = batch.filter((send) => !gate.refusal(send.chatId, send.senderId));
    const earlier = lookUpResends
      ? await this.repository.findByClientMessageIds(
          allowed.flatMap(({ chatId, senderId, clientMessageId }) =>
            clientMessageId === null ? [] : [{ chatId, senderId, clientMessageId }],
          ),
        )
      : [];
    const storedBefore = new Map(earlier.map((message) => [idempotencyKey(message), message]));

    const fresh: NewMessage[] = [];
    const freshByKey = new Map<string, number>();
    const nextSeq = new Map<number, number>();
    const decisions = batch.map((send): Decision => {
      const refusal = gate.refusal(send.chatId, send.senderId);
      if (refusal) return { refusal };
      const key = idempotencyKey(send);
      const before = key === null ? undefined : storedBefore.get(key);
      if (before) return { earlier: before };
      const sameBatch = key === null ? undefined : freshByKey.get(key);
      if (sameBatch !== undefined) return { fresh: sameBatch, resend: true };
      const seq = (nextSeq.get(send.chatId) ?? gate.chat(send.chatId).lastSeq) + 1;
      nextSeq.set(send.chatId, seq);
      const { chatId, senderId, body, clientMessageId } = send;
      fresh.push({ chatId, senderId, body, clientMessageId, seq });
      if (key !== null) freshByKey.set(key, fresh.length - 1);
      return { fresh: fresh.length - 1, resend: false };
    });

    const stored = fresh.length > 0 ? await this.repository.insertMany(fresh) : [];
    if (stored === null) throw new ResendInBatch();
    const responses = stored.map(toMessageResponse);
    if (responses.length > 0) await this.recordChats(responses);
    const outcomes = batch.map((send, i): StoredSend | Error => {
      const decision = decisions[i];
      if ('refusal' in decision) return decision.refusal;
      const topic = gate.chat(send.chatId).topic;
      if ('earlier' in decision) {
        return { message: toMessageResponse(decision.earlier), topic, created: false };
      }
      return { message: responses[decision.fresh], topic, created: !decision.resend };
    });
    this.announce(outcomes);
    return outcomes;
  }

  /**
   * The chat hears of each new message once, when the flush commits and before any ack; also
   * when the flush commits after its sends were refused as stalled.
   */
  private announce(outcomes: (StoredSend | Error)[]): void {
    for (const outcome of outcomes) {
      if (outcome instanceof Error || !outcome.created) continue;
      const event = new MessageCreatedEvent(outcome.message, outcome.topic);
      this.transactions.publish(MessagesEvents.created, event);
    }
  }

  private async recordChats(stored: MessageResponseDto[]): Promise<void> {
    const newest = new Map<number, MessageResponseDto>();
    const markers = new Map<string, ReadMarker>();
    for (const message of stored) {
      newest.set(message.chatId, message);
      markers.set(`${message.chatId}:${message.senderId}`, {
        chatId: message.chatId,
        userId: message.senderId,
        messageId: message.id,
        seq: message.seq,
      });
    }
    await this.chats.recordSends([...newest.values()], [...markers.values()]);
  }
}

function idempotencyKey(send: {
  chatId: number;
  senderId: number;
  clientMessageId: string | null;
}): string | null {
  return send.clientMessageId === null
    ? null
    : `${send.chatId}:${send.senderId}:${send.clientMessageId}`;
}
