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

/** A rev given to a message by a change: of that message itself (`own`), or of what it replies to. */
interface Assigned {
  id: number;
  rev: number;
  /** The user whose change gave it. */
  by: number;
  own: boolean;
  deleted: boolean;
}

/** A change that passed its checks, with the message as the flush found it. */
interface Accepted {
  request: ChangeRequest;
  message: Message;
}

/**
 * The edits and deletes of one flush, under the chat locks it holds, after its sends and before
 * its reactions: each change takes the chat's next rev, and each reply to the message one more (a
 * reply shows its target), in a fixed number of statements whatever their number. The batcher
 * queues at most one change per message per flush, so each reads the message as the one before
 * left it.
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
    const allowed = requests.filter((_, i) => refusals[i] === null);
    const found = new Map(
      (
        await this.repository.findInChats(
          allowed.map((r) => r.chatId),
          allowed.map((r) => r.messageId),
        )
      ).map((message) => [message.id, message]),
    );
    const accepted: Accepted[] = [];
    const decisions: (Error | Accepted | null)[] = [];
    for (const [i, request] of requests.entries()) {
      const decision =
        refusals[i] ?? (await this.decide(request, found.get(request.messageId), gate));
      if (decision !== null && !(decision instanceof Error)) accepted.push(decision);
      decisions.push(decision);
    }
    const assigned = await this.apply(accepted, takeRev);
    const { announced, latest } = await this.readBack(assigned, gate);
    const own = new Map<number, MessageResponseDto>();
    assigned.forEach((rev, i) => rev.own && own.set(rev.id, announced[i].message));
    const outcomes = decisions.map((decision): StoredChange | Error => {
      if (decision === null) return { message: null };
      if (decision instanceof Error) return decision;
      return { message: own.get(decision.message.id)! };
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

  /**
   * Whether the change may go ahead: an error, null for a delete of a deleted message (nothing to
   * do), or the change. Editing needs the sender; deleting the sender or a group's owner or admin.
   */
  private async decide(
    request: ChangeRequest,
    message: Message | undefined,
    gate: SendGate,
  ): Promise<Error | Accepted | null> {
    if (!message) return new MessagesError(MessagesErrorCode.MESSAGE_NOT_FOUND);
    if (message.senderId !== request.userId && !(await this.moderates(request))) {
      return new MessagesError(MessagesErrorCode.NOT_MESSAGE_SENDER);
    }
    if (message.deletedAt !== null) {
      return request.edit ? new MessagesError(MessagesErrorCode.MESSAGE_DELETED) : null;
    }
    const mentions = request.edit?.mentions;
    if (mentions && !(await this.mayMention(message, mentions, gate))) {
      return new MessagesError(MessagesErrorCode.MENTION_NOT_PARTICIPANT);
    }
    return { request, message };
  }

  /** Only a delete moderates, by an owner or admin of a group (a direct chat has neither). */
  private async moderates(request: ChangeRequest): Promise<boolean> {
    if (request.edit || request.erasure) return false;
    const { role } = await this.chats.assertParticipant(request.chatId, request.userId);
    return role === 'owner' || role === 'admin';
  }

  /** Those newly mentioned must be participants; those mentioned already may stay after leaving. */
  private async mayMention(message: Message, userIds: number[], gate: SendGate): Promise<boolean> {
    const current = new Set(await this.mentions.of(message.chatId, message.id));
    return userIds.every(
      (userId) => current.has(userId) || gate.isParticipant(message.chatId, userId),
    );
  }

  /**
   * Writes the accepted changes, each taking its chat's next rev and each reply to its message one
   * more (in id order), and answers those revs in order.
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
    const assigned: Assigned[] = [];
    const last = new Map<number, number>();
    for (const { request, message } of accepted) {
      const take = (id: number, own: boolean) => {
        const rev = takeRev(message.chatId);
        assigned.push({ id, rev, by: request.userId, own, deleted: own && !request.edit });
        last.set(id, rev);
      };
      take(message.id, true);
      for (const reply of replies.get(message.id) ?? []) take(reply.id, false);
    }
    const edits = accepted.filter(({ request }) => request.edit);
    const deletes = accepted.filter(({ request }) => !request.edit);
    await this.repository.editMany(
      edits.map(({ request, message }) => ({
        id: message.id,
        body: request.edit!.body,
        rev: last.get(message.id)!,
      })),
    );
    await this.repository.tombstoneMany(
      deletes.map(({ request, message }) => ({
        id: message.id,
        rev: last.get(message.id)!,
        deletedBy: request.userId,
      })),
    );
    for (const { message } of accepted) last.delete(message.id);
    await this.repository.setRevs(last);
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

  /**
   * Every changed message as the flush left it, read once (as its changer sees it, or a reply as
   * the changer of its target), and each of its revs announced with it.
   */
  private async readBack(
    assigned: Assigned[],
    gate: SendGate,
  ): Promise<Pick<StoredChanges, 'announced' | 'latest'>> {
    const readers = new Map<number, number>();
    for (const { id, by, own } of assigned) if (own || !readers.has(id)) readers.set(id, by);
    const views = await this.repository.viewsFor([...readers.keys()], [...readers.values()]);
    const files = await this.files.filesOf(views);
    const latest = new Map(
      views.map((view) => [
        view.id,
        this.files.response(view, files.get(view.id) ?? [], readers.get(view.id)!),
      ]),
    );
    const announced = assigned.map(({ id, rev, deleted }): Announced => {
      const message = latest.get(id)!;
      return {
        message: message.rev === rev ? message : { ...message, rev },
        topic: gate.chat(message.chatId).topic,
        deleted,
      };
    });
    return { announced, latest };
  }
}

/** Editing passes the gate a send does; taking one's words back needs only membership. */
function changeGate(request: ChangeRequest): GateKind {
  if (request.edit) return 'send';
  return request.erasure ? 'erasure' : 'participant';
}
