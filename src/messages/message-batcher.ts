import { Injectable } from '@nestjs/common';
import { AttachmentsError } from '../attachments/attachments.errors';
import { AttachmentsService } from '../attachments/attachments.service';
import { ChatsService } from '../chats/chats.service';
import { FlushedChat, GateKind, ReadMarker, SendGate } from '../chats/send-gate';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../database/pg-errors';
import { TransactionHost } from '../database/transaction-host';
import { MessageResponseDto } from './dto/message-response.dto';
import { Message } from './entities/message.entity';
import { MessageFiles } from './message-files';
import { MessageView, ReplyPreview } from './message-view';
import { MessagesError, MessagesErrorCode } from './messages.errors';
import {
  MessageCreatedEvent,
  MessageReactionsEvent,
  MessagesEvents,
} from './events/messages.events';
import { MentionsRepository, NewMention } from './mentions.repository';
import { ChangeRequest, MessageChanges, StoredChange, StoredChanges } from './message-changes';
import { InsertedMessage, MessagesRepository, NewMessage } from './messages.repository';
import { PlannedReaction, planReactions, ReactionRequest } from './reaction-plan';
import { ReactionsRepository } from './reactions.repository';

export interface SendRequest {
  senderId: number;
  chatId: number;
  body: string;
  clientMessageId: string | null;
  replyToId: number | null;
  /** Uploads of the sender's to attach, in order; may be empty. */
  attachmentIds: number[];
  /** Participants the message mentions; may be empty. */
  mentions: number[];
}

export interface StoredSend {
  message: MessageResponseDto;
  topic: string;
  /** False when the clientMessageId was used before: this is the first message, not a copy. */
  created: boolean;
}

export interface StoredReaction {
  reaction: PlannedReaction;
  topic: string;
}

/** A send of the batch was stored before: the optimistic flush gives way to one that looks first. */
class ResendInBatch extends Error {}

/** What a flush does with one send. */
type Decision = { refusal: Error } | { earlier: MessageView } | { fresh: number; resend: boolean };

interface Waiting {
  resolve(outcome: unknown): void;
  reject(error: unknown): void;
}

/** A request and its caller; the request is held as given (no copy per send). */
type Pending = Waiting &
  (
    | { kind: 'send'; send: SendRequest }
    | { kind: 'change'; change: ChangeRequest }
    | { kind: 'reaction'; reaction: ReactionRequest }
  );
type Outcome = StoredSend | StoredChange | StoredReaction | Error;

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
 * Group commit of message sends, edits, deletes and reactions. One flush is in flight at a time;
 * what arrives meanwhile forms the next batch, which flushes as soon as the previous one has
 * committed (no timer, so an idle server adds no latency). A flush is one transaction: lock the
 * batch's chats, insert every message in one statement, then the changes (MessageChanges) and the
 * reactions, each kind in a fixed number of statements, and update each chat once. Revs follow
 * that order, so the flush announces in rev order. Each caller is answered only after the commit.
 */
@Injectable()
export class MessageBatcher {
  private queue: Pending[] = [];
  private inFlight: Pending[] = [];
  private flushing = false;
  private stalled = false;

  constructor(
    private readonly repository: MessagesRepository,
    private readonly reactions: ReactionsRepository,
    private readonly chats: ChatsService,
    private readonly transactions: TransactionHost,
    private readonly attachments: AttachmentsService,
    private readonly files: MessageFiles,
    private readonly mentions: MentionsRepository,
    private readonly changes: MessageChanges,
  ) {}

  send(send: SendRequest): Promise<StoredSend> {
    if (this.stalled) return Promise.reject(new DatabaseUnavailableError());
    return new Promise<StoredSend>((resolve, reject) =>
      this.enqueue({ kind: 'send', send, resolve: resolve as Waiting['resolve'], reject }),
    );
  }

  /** Edits and deletes ride the same flushes: their chat's lock is taken once for all. */
  change(change: ChangeRequest): Promise<StoredChange> {
    if (this.stalled) return Promise.reject(new DatabaseUnavailableError());
    return new Promise<StoredChange>((resolve, reject) =>
      this.enqueue({ kind: 'change', change, resolve: resolve as Waiting['resolve'], reject }),
    );
  }

  /** Reactions ride the same flushes too. */
  react(reaction: ReactionRequest): Promise<StoredReaction> {
    if (this.stalled) return Promise.reject(new DatabaseUnavailableError());
    return new Promise<StoredReaction>((resolve, reject) =>
      this.enqueue({ kind: 'reaction', reaction, resolve: resolve as Waiting['resolve'], reject }),
    );
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    if (!this.flushing) void this.drain();
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
      const batch = this.takeBatch();
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

  /**
   * The next batch from the queue, in order: at most MAX_BATCH items and one change per message (a
   * second change of it waits for the next flush, so that each reads what the one before left).
   */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const waiting: Pending[] = [];
    const changing = new Set<number>();
    for (const item of this.queue) {
      if (batch.length === MAX_BATCH) waiting.push(item);
      else if (item.kind !== 'change') batch.push(item);
      else if (changing.has(item.change.messageId)) waiting.push(item);
      else {
        changing.add(item.change.messageId);
        batch.push(item);
      }
    }
    this.queue = waiting;
    return batch;
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
  private async store(batch: Pending[], lookUpResends: boolean): Promise<Outcome[]> {
    const gate = await this.chats.lockForSends(batch.map(gateItem));
    const sends = sendsOf(batch);
    const allowed = sends.filter((send) => !gate.refusal(send.chatId, send.senderId));
    const targets = await this.replyTargets(allowed);
    const earlier = lookUpResends
      ? await this.repository.findByClientMessageIds(
          allowed.flatMap(({ chatId, senderId, clientMessageId }) =>
            clientMessageId === null ? [] : [{ chatId, senderId, clientMessageId }],
          ),
        )
      : [];
    const storedBefore = new Map(earlier.map((message) => [idempotencyKey(message), message]));
    const uploads = await this.attachments.lockForAttach(
      allowed.flatMap((send) => send.attachmentIds),
    );
    const claimed = new Set<number>();

    const fresh: NewMessage[] = [];
    /** The upload ids and the mentions (by ascending id) of each fresh message, in the same order. */
    const attaching: number[][] = [];
    const mentionsOf: number[][] = [];
    const freshByKey = new Map<string, number>();
    const next = new Map<number, { seq: number; rev: number }>();
    const numbersOf = (chatId: number) => {
      const chat = gate.chat(chatId);
      return next.get(chatId) ?? { seq: chat.lastSeq, rev: chat.lastRev };
    };
    const decisions = sends.map((send): Decision => {
      const refusal = gate.refusal(send.chatId, send.senderId);
      if (refusal) return { refusal };
      const key = idempotencyKey(send);
      const before = key === null ? undefined : storedBefore.get(key);
      if (before) return { earlier: before };
      const sameBatch = key === null ? undefined : freshByKey.get(key);
      if (sameBatch !== undefined) return { fresh: sameBatch, resend: true };
      if (send.replyToId !== null && !targets.has(`${send.chatId}:${send.replyToId}`)) {
        return { refusal: new MessagesError(MessagesErrorCode.REPLY_TARGET_INVALID) };
      }
      if (!send.mentions.every((userId) => gate.isParticipant(send.chatId, userId))) {
        // A resend gets its first message back, whoever has left since: only a lookup can tell.
        if (key !== null && !lookUpResends) throw new ResendInBatch();
        return { refusal: new MessagesError(MessagesErrorCode.MENTION_NOT_PARTICIPANT) };
      }
      const free = send.attachmentIds.every((id) => {
        const upload = uploads.get(id);
        return upload?.available && upload.ownerId === send.senderId && !claimed.has(id);
      });
      if (!free) {
        // Its files may be attached to its own first copy: only a lookup can tell a resend.
        if (key !== null && !lookUpResends) throw new ResendInBatch();
        return { refusal: AttachmentsError.unavailable() };
      }
      for (const id of send.attachmentIds) claimed.add(id);
      const last = numbersOf(send.chatId);
      const numbers = { seq: last.seq + 1, rev: last.rev + 1 };
      next.set(send.chatId, numbers);
      fresh.push({
        chatId: send.chatId,
        senderId: send.senderId,
        body: send.body,
        clientMessageId: send.clientMessageId,
        replyToId: send.replyToId,
        attachmentCount: send.attachmentIds.length,
        seq: numbers.seq,
        rev: numbers.rev,
      });
      attaching.push(send.attachmentIds);
      mentionsOf.push(
        send.mentions.length < 2 ? send.mentions : [...send.mentions].sort((a, b) => a - b),
      );
      if (key !== null) freshByKey.set(key, fresh.length - 1);
      return { fresh: fresh.length - 1, resend: false };
    });

    const inserted = fresh.length > 0 ? await this.repository.insertMany(fresh) : [];
    if (inserted === null) throw new ResendInBatch();
    const stored = fresh.map((message, i) =>
      freshView(
        message,
        inserted[i],
        message.replyToId === null ? null : targets.get(`${message.chatId}:${message.replyToId}`)!,
        mentionsOf[i],
      ),
    );
    await this.storeMentions(stored, mentionsOf);
    await this.attachments.attach(
      stored.flatMap((message, i) =>
        attaching[i].map((id, position) => ({
          id,
          chatId: message.chatId,
          messageId: message.id,
          position,
        })),
      ),
    );
    const responses = stored.map((message, i) =>
      this.files.response(
        message,
        attaching[i].map((id) => uploads.get(id)!.file),
        message.senderId,
      ),
    );
    const earlierFiles = await this.files.filesOf(earlier);
    const takeRev = (chatId: number) => {
      const last = numbersOf(chatId);
      next.set(chatId, { seq: last.seq, rev: last.rev + 1 });
      return last.rev + 1;
    };
    const changes = await this.changes.store(changesOf(batch), gate, takeRev);
    const reactions = await this.storeReactions(batch, gate, takeRev);
    await this.recordChats(responses, changes, gate, next);
    const sent = sends.map((send, i): StoredSend | Error => {
      const decision = decisions[i];
      if ('refusal' in decision) return decision.refusal;
      const topic = gate.chat(send.chatId).topic;
      if ('earlier' in decision) {
        const files = earlierFiles.get(decision.earlier.id) ?? [];
        const message = this.files.response(decision.earlier, files, send.senderId);
        return { message, topic, created: false };
      }
      return { message: responses[decision.fresh], topic, created: !decision.resend };
    });
    const outcomes = inBatchOrder(batch, sent, changes.outcomes, reactions);
    this.announce(outcomes, changes);
    return outcomes;
  }

  /**
   * The batch's reactions, after its sends (so their revs follow): decided in order by
   * planReactions from the rows as the locks found them, then written as net row changes, each
   * changed message's rev moved once, in a fixed number of statements whatever their number.
   */
  private async storeReactions(
    batch: Pending[],
    gate: SendGate,
    takeRev: (chatId: number) => number,
  ): Promise<(StoredReaction | Error)[]> {
    const requests = reactionsOf(batch);
    if (requests.length === 0) return [];
    // Taking one's own reaction back needs only membership, like deleting one's message.
    const refusals = requests.map((request) =>
      gate.refusal(request.chatId, request.userId, reactionGate(request)),
    );
    const allowed = requests.filter((_, i) => refusals[i] === null);
    const messages = await this.repository.findReacted(
      allowed.map((request) => request.chatId),
      allowed.map((request) => request.messageId),
    );
    const states = await this.reactions.emojiStates(
      messages.map((message) => message.id),
      [...new Set(allowed.map((request) => request.userId))],
    );
    const plan = planReactions(
      allowed,
      new Map(messages.map((message) => [message.id, message])),
      states,
      takeRev,
    );
    await this.reactions.apply(plan.added, plan.removed);
    await this.repository.setRevs(plan.revs);
    let next = 0;
    return requests.map((request, i) => {
      const refusal = refusals[i];
      if (refusal) return refusal;
      const outcome = plan.outcomes[next++];
      if (outcome instanceof Error) return outcome;
      return { reaction: outcome, topic: gate.chat(request.chatId).topic };
    });
  }

  /**
   * The mention rows of the fresh messages, one statement for the flush, and the chats they bring
   * back from the archives of those mentioned (nothing is done for a flush without mentions).
   */
  private async storeMentions(stored: Message[], mentionsOf: number[][]): Promise<void> {
    const rows: NewMention[] = stored.flatMap((message, i) =>
      mentionsOf[i].map((userId) => ({
        messageId: message.id,
        chatId: message.chatId,
        seq: message.seq,
        userId,
      })),
    );
    if (rows.length === 0) return;
    await this.mentions.insert(rows);
    await this.chats.unarchiveMentioned(rows);
  }

  /** The messages the batch's replies answer, keyed `chatId:id`: one query, only for replies. */
  private async replyTargets(sends: SendRequest[]): Promise<Map<string, ReplyPreview>> {
    const replies = sends.filter((send) => send.replyToId !== null);
    if (replies.length === 0) return new Map();
    const targets = await this.repository.findReplyTargets(
      replies.map((send) => send.chatId),
      replies.map((send) => send.replyToId!),
    );
    return new Map(targets.map(({ chatId, ...target }) => [`${chatId}:${target.id}`, target]));
  }

  /**
   * The chat hears of each new message, each changed message and each reaction that changed a row
   * once, when the flush commits and before any ack (also when it commits after its items were
   * refused as stalled), in the order of their revs.
   */
  private announce(outcomes: Outcome[], changes: StoredChanges): void {
    for (const outcome of outcomes) {
      if (outcome instanceof Error || !('created' in outcome) || !outcome.created) continue;
      const event = new MessageCreatedEvent(outcome.message, outcome.topic);
      this.transactions.publish(MessagesEvents.created, event);
    }
    this.changes.announce(changes);
    for (const outcome of outcomes) {
      if (outcome instanceof Error || !('reaction' in outcome) || !outcome.reaction.changed) {
        continue;
      }
      const { reaction, topic } = outcome;
      const event = new MessageReactionsEvent(
        {
          chatId: reaction.chatId,
          messageId: reaction.messageId,
          emoji: reaction.emoji,
          count: reaction.count,
          userId: reaction.userId,
          on: reaction.me,
          rev: reaction.rev,
        },
        topic,
      );
      this.transactions.publish(MessagesEvents.reactions, event);
    }
  }

  /**
   * Each chat the flush changed, once: its counters, for new messages the list preview, sort key
   * and the senders' read markers, and the preview again when its message changed.
   */
  private async recordChats(
    stored: MessageResponseDto[],
    { latest }: StoredChanges,
    gate: SendGate,
    counters: Map<number, { seq: number; rev: number }>,
  ): Promise<void> {
    if (counters.size === 0) return;
    // A chat's last message before the flush is the one at its lastSeq (messages are never removed).
    const lastChanged = new Map<number, MessageResponseDto>();
    for (const message of latest.values()) {
      if (message.seq === gate.chat(message.chatId).lastSeq)
        lastChanged.set(message.chatId, message);
    }
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
    const chats = [...counters].map(([chatId, { seq, rev }]): FlushedChat => {
      const sent = newest.get(chatId);
      return {
        chatId,
        lastSeq: seq,
        lastRev: rev,
        newest: sent ? (latest.get(sent.id) ?? sent) : null,
        preview: sent ? null : (lastChanged.get(chatId) ?? null),
      };
    });
    await this.chats.recordFlush(chats, [...markers.values()]);
  }
}

/** A message just inserted, as its sender sees it: no reactions yet. */
function freshView(
  message: NewMessage,
  inserted: InsertedMessage,
  replyTo: ReplyPreview | null,
  mentions: number[],
): MessageView {
  return {
    id: inserted.id,
    chatId: message.chatId,
    seq: message.seq,
    rev: message.rev,
    senderId: message.senderId,
    body: message.body,
    clientMessageId: message.clientMessageId,
    replyToId: message.replyToId,
    attachmentCount: message.attachmentCount,
    createdAt: inserted.createdAt,
    editedAt: null,
    deletedAt: null,
    deletedBy: null,
    replyTo,
    reactions: [],
    mentions,
  };
}

function sendsOf(batch: Pending[]): SendRequest[] {
  const sends: SendRequest[] = [];
  for (const item of batch) if (item.kind === 'send') sends.push(item.send);
  return sends;
}

function changesOf(batch: Pending[]): ChangeRequest[] {
  const changes: ChangeRequest[] = [];
  for (const item of batch) if (item.kind === 'change') changes.push(item.change);
  return changes;
}

function reactionsOf(batch: Pending[]): ReactionRequest[] {
  const reactions: ReactionRequest[] = [];
  for (const item of batch) if (item.kind === 'reaction') reactions.push(item.reaction);
  return reactions;
}

/** The outcomes of a batch's sends, changes and reactions, back in the batch's order. */
function inBatchOrder(
  batch: Pending[],
  sends: (StoredSend | Error)[],
  changes: (StoredChange | Error)[],
  reactions: (StoredReaction | Error)[],
): Outcome[] {
  const next = { send: 0, change: 0, reaction: 0 };
  return batch.map((item) => {
    if (item.kind === 'send') return sends[next.send++];
    if (item.kind === 'change') return changes[next.change++];
    return reactions[next.reaction++];
  });
}

/** Whom the chat lock's statement checks for an item: its user, and those a send or edit mentions. */
function gateItem(item: Pending): { chatId: number; senderId: number; mentions?: number[] } {
  if (item.kind === 'send') {
    const { chatId, senderId, mentions } = item.send;
    return { chatId, senderId, mentions };
  }
  if (item.kind === 'change') {
    const { chatId, userId, edit } = item.change;
    return { chatId, senderId: userId, mentions: edit?.mentions };
  }
  return { chatId: item.reaction.chatId, senderId: item.reaction.userId };
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

function reactionGate(request: ReactionRequest): GateKind {
  if (request.on) return 'send';
  return request.erasure ? 'erasure' : 'participant';
}
