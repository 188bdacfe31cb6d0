import { Injectable } from '@nestjs/common';
import { AttachmentsService } from '../attachments/attachments.service';
import { ChatsService } from '../chats/chats.service';
import { GateKind, SendGate } from '../chats/send-gate';
import { groupBy } from '../common/collections/group-by';
import { TransactionHost } from '../database/transaction-host';
import { MessageResponseDto } from './dto/message-response.dto';
import { Message } from './entities/message.entity';
import { MessageDeletedEvent, MessagesEvents, MessageUpdatedEvent } from './events/messages.events';
import { MessageFiles } from './message-files';
import { MessagesError, MessagesErrorCode } from './messages.errors';
import { forEveryone } from './messages.mapper';
import { MentionsRepository } from './mentions.repository';
import { MessagesRepository } from './messages.repository';

/** An edit: the new body, and the mentions when they change too. */
export interface MessageEdit {
  body: string;
  mentions?: number[];
}

/** An edit or delete of one message, as the batcher queues it. */
export interface ChangeRequest {
  userId: number;
  chatId: number;
  messageId: number;
  /** What an edit changes; null for a delete. */
  edit: MessageEdit | null;
  /** A delete by the erasure of the user's deleted account: the chat need only exist. */
  erasure?: boolean;
}

export interface StoredChange {
  /** The message as its changer sees it now; null when a delete found it deleted already. */
  message: MessageResponseDto | null;
}

/**
 * One rev the flush gave a message: its change, or a change of the message it replies to. It is
 * announced with the message as the flush left it (a message can take two revs in one flush, and
 * nobody ever sees it between them).
 */
interface Announced {
  message: MessageResponseDto;
  topic: string;
  /** The rev of its delete: announced as a delete, not an update. */
  deleted: boolean;
}

export interface StoredChanges {
  outcomes: (StoredChange | Error)[];
  /** Every rev the flush's changes took, in rev order. */
  announced: Announced[];
  /** Every message they changed, by id, as the flush left it. */
  latest: Map<number, MessageResponseDto>;
}

/** The rev a message took by a change: of that message itself, or of what it replies to. */
interface Assigned {
  id: number;
  rev: number;
  /** The user whose change gave it: the message is read as they see it. */
  by: number;
  /** Deleted by this change: announced as a delete, not an update. */
  deleted: boolean;
}

/** What the checks of a flush's changes read. */
interface Facts {
  messages: Map<number, Message>;
  /** `chatId:userId` of those deleting another's message who are an owner or admin there. */
  moderators: Set<string>;
  /** Whom each message an edit re-mentions mentions now. */
  mentioned: Map<number, number[]>;
}

/** A change that passed its checks, with the message as the flush found it. */
interface Accepted {
  request: ChangeRequest;
  message: Message;
}

/**
 * The edits and deletes of one flush, under the chat locks it holds, after its sends and before
 * its reactions: each change takes the chat's next rev, and each reply to the message one more (a
 * reply shows its target), in a fixed number of statements whatever their number (an edit that
 * changes its mentions adds two of its own). The batcher queues at most one change per message per
 * flush, so each reads the message as the one before left it.
 */
@Injectable()
export class MessageChanges {
  constructor(
    private readonly repository: MessagesRepository,
    private readonly mentions: MentionsRepository,
    private readonly chats: ChatsService,
    private readonly attachments: AttachmentsService,
    private readonly files: MessageFiles,
    private readonly transactions: TransactionHost,
  ) {}

  async store(
    requests: ChangeRequest[],
    gate: SendGate,
    takeRev: (chatId: number) => number,
  ): Promise<StoredChanges> {
    if (requests.length === 0) return { outcomes: [], announced: [], latest: new Map() };
    const refusals = requests.map((r) => gate.refusal(r.chatId, r.userId, changeGate(r)));
    const facts = await this.facts(requests.filter((_, i) => refusals[i] === null));
    const decisions = requests.map((request, i) => refusals[i] ?? decide(request, facts, gate));
    const accepted = decisions.filter((d): d is Accepted => d !== null && !(d instanceof Error));
    const assigned = await this.apply(accepted, takeRev);
    const { announced, latest } = await this.readBack(assigned, gate);
    const outcomes = decisions.map((decision): StoredChange | Error => {
      if (decision === null) return { message: null };
      if (decision instanceof Error) return decision;
      return { message: latest.get(decision.message.id)! };
    });
    return { outcomes, announced, latest };
  }

  /** Announces every rev the changes took, in rev order. */
  announce({ announced }: StoredChanges): void {
    for (const { message, topic, deleted } of announced) {
      if (deleted) {
        const event = new MessageDeletedEvent(
          message.chatId,
          message.id,
          topic,
          message.rev,
          message.deletedAt!,
          message.deletedBy!,
        );
        this.transactions.publish(MessagesEvents.deleted, event);
      } else {
        const event = new MessageUpdatedEvent(forEveryone(message), topic);
        this.transactions.publish(MessagesEvents.updated, event);
      }
    }
  }

  /** What the checks read, each kind in one statement for the whole flush (none when unneeded). */
  private async facts(allowed: ChangeRequest[]): Promise<Facts> {
    const found = await this.repository.findInChats(
      allowed.map((r) => r.chatId),
      allowed.map((r) => r.messageId),
    );
    const messages = new Map(found.map((message) => [message.id, message]));
    const ofOthers = allowed.filter((r) => {
      const message = messages.get(r.messageId);
      return message !== undefined && message.senderId !== r.userId;
    });
    const moderators = await this.chats.moderatorsAmong(
      ofOthers.filter((r) => !r.edit && !r.erasure),
    );
    const mentioned = await this.mentions.of(
      allowed.filter((r) => r.edit?.mentions && messages.has(r.messageId)).map((r) => r.messageId),
    );
    return { messages, moderators, mentioned };
  }

  /**
   * Writes the accepted changes, each taking its chat's next rev and each reply to its message one
   * more (in id order), and answers those revs in order: one rev per message, since a reply changed
   * by the flush itself shows its target as the flush leaves it at its own rev.
   */
  private async apply(
    accepted: Accepted[],
    takeRev: (chatId: number) => number,
  ): Promise<Assigned[]> {
    if (accepted.length === 0) return [];
    const replies = groupBy(
      await this.repository.findReplies(
        accepted.map(({ message }) => message.chatId),
        accepted.map(({ message }) => message.id),
      ),
      (reply) => reply.replyToId,
    );
    const changed = new Set(accepted.map(({ message }) => message.id));
    const assigned: Assigned[] = [];
    const revs = new Map<number, number>();
    for (const { request, message } of accepted) {
      const take = (id: number, deleted: boolean) => {
        const rev = takeRev(message.chatId);
        assigned.push({ id, rev, by: request.userId, deleted });
        revs.set(id, rev);
      };
      take(message.id, !request.edit);
      for (const reply of replies.get(message.id) ?? []) {
        if (!changed.has(reply.id)) take(reply.id, false);
      }
    }
    const edits = accepted.filter(({ request }) => request.edit);
    const deletes = accepted.filter(({ request }) => !request.edit);
    await this.repository.editMany(
      edits.map(({ request, message }) => ({
        id: message.id,
        body: request.edit!.body,
        rev: revs.get(message.id)!,
      })),
    );
    await this.repository.tombstoneMany(
      deletes.map(({ request, message }) => ({
        id: message.id,
        rev: revs.get(message.id)!,
        deletedBy: request.userId,
      })),
    );
    for (const id of changed) revs.delete(id);
    await this.repository.setRevs(revs);
    for (const { request, message } of edits) {
      if (request.edit!.mentions) await this.replaceMentions(message, request.edit!.mentions);
    }
    if (deletes.length > 0) await this.attachments.detach(deletes.map(({ message }) => message.id));
    return assigned;
  }

  /** Those newly mentioned get their chat back from their archive. */
  private async replaceMentions(message: Message, userIds: number[]): Promise<void> {
    const { chatId, seq } = message;
    const added = await this.mentions.replace({ chatId, messageId: message.id, seq }, userIds);
    await this.chats.unarchiveMentioned(added.map((userId) => ({ chatId, userId, seq })));
  }

  /** Every changed message as the flush left it, as its changer (or its target's) sees it. */
  private async readBack(
    assigned: Assigned[],
    gate: SendGate,
  ): Promise<Pick<StoredChanges, 'announced' | 'latest'>> {
    const views = await this.repository.viewsFor(
      assigned.map(({ id }) => id),
      assigned.map(({ by }) => by),
    );
    const files = await this.files.filesOf(views);
    const readers = new Map(assigned.map(({ id, by }) => [id, by]));
    const latest = new Map(
      views.map((view) => [
        view.id,
        this.files.response(view, files.get(view.id) ?? [], readers.get(view.id)!),
      ]),
    );
    const announced = assigned.map(({ id, deleted }): Announced => {
      const message = latest.get(id)!;
      return { message, topic: gate.chat(message.chatId).topic, deleted };
    });
    return { announced, latest };
  }
}

/**
 * Whether the change may go ahead: an error, null for a delete of a deleted message (nothing to
 * do), or the change. Editing needs the sender; deleting the sender or a group's owner or admin.
 */
function decide(request: ChangeRequest, facts: Facts, gate: SendGate): Error | Accepted | null {
  const message = facts.messages.get(request.messageId);
  if (!message) return new MessagesError(MessagesErrorCode.MESSAGE_NOT_FOUND);
  const moderates = facts.moderators.has(`${request.chatId}:${request.userId}`);
  if (message.senderId !== request.userId && (request.edit || !moderates)) {
    return new MessagesError(MessagesErrorCode.NOT_MESSAGE_SENDER);
  }
  if (message.deletedAt !== null) {
    return request.edit ? new MessagesError(MessagesErrorCode.MESSAGE_DELETED) : null;
  }
  const mentions = request.edit?.mentions;
  if (mentions) {
    // Those newly mentioned must be participants; those mentioned already may stay after leaving.
    const current = new Set(facts.mentioned.get(message.id) ?? []);
    const allowed = (userId: number) =>
      current.has(userId) || gate.isParticipant(message.chatId, userId);
    if (!mentions.every(allowed))
      return new MessagesError(MessagesErrorCode.MENTION_NOT_PARTICIPANT);
  }
  return { request, message };
}

/** Editing passes the gate a send does; taking one's words back needs only membership. */
function changeGate(request: ChangeRequest): GateKind {
  if (request.edit) return 'send';
  return request.erasure ? 'erasure' : 'participant';
}
