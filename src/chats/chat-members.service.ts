import { ChatDeletionHooks } from './chat-deletion-hooks';
import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host';
import { assertAdmin, assertMayChangeRole, assertMayRemove } from './chat-roles';
import { ChatsError, ChatsErrorCode } from './chats.errors';
import { ChatsRepository } from './chats.repository';
import { ChatsService } from './chats.service';
import { ChatResponseDto } from './dto/chat-response.dto';
import { MAX_GROUP_MEMBERS } from './dto/member-ids.validator';
import { ChatParticipant, ParticipantRole } from './entities/chat-participant.entity';
import { ChatSession } from './entities/chat-session.entity';
import {
  ChatMemberAddedEvent,
  ChatMemberRemovedEvent,
  ChatsEvents,
  ChatUpdatedEvent,
} from './events/chats.events';

interface LockedGroup {
  chat: ChatSession;
  actor: ChatParticipant;
}

/**
 * Group membership and settings. Every change locks the chat row, as sends do, so changes to one
 * group commit one after the other. Each builds its answer and its events inside its transaction
 * (the events go out in commit order: a room join cannot overtake the removal that followed it),
 * so a change that committed is answered as a success and announced even if its actor leaves the
 * group right after.
 */
@Injectable()
export class ChatMembersService {
  constructor(
    private readonly repository: ChatsRepository,
    private readonly transactions: TransactionHost,
    private readonly chats: ChatsService,
    private readonly deletionHooks: ChatDeletionHooks,
  ) {}

  rename(actorId: number, chatId: number, name: string): Promise<ChatResponseDto> {
    return this.transactions.run(async () => {
      const { actor } = await this.lockGroup(chatId, actorId);
      assertAdmin(actor.role);
      await this.repository.rename(chatId, name);
      await this.repository.takeChatRevs(chatId, 1);
      return this.updated(chatId, actorId);
    });
  }

  /** Adds friends of the actor; users already in the group are skipped, whoever's friends they are. */
  add(actorId: number, chatId: number, userIds: number[]): Promise<ChatResponseDto> {
    return this.transactions.run(async () => {
      const { actor } = await this.lockGroup(chatId, actorId);
      assertAdmin(actor.role);
      const members = new Set(
        (await this.repository.listParticipants([chatId])).map((p) => p.userId),
      );
      const newcomers = userIds.filter((userId) => !members.has(userId));
      await this.chats.assertAllFriends(actorId, newcomers);
      const newIds = await this.repository.insertParticipants(
        chatId,
        newcomers.map((userId) => ({ userId, role: 'member' as const })),
      );
      // Counted after inserting, since members already in the group are skipped.
      if ((await this.repository.countParticipants(chatId)) > MAX_GROUP_MEMBERS) {
        throw new ChatsError(ChatsErrorCode.GROUP_FULL);
      }
      // One rev per member added: each is announced by its own event.
      const firstRev =
        newIds.length > 0 ? await this.repository.takeChatRevs(chatId, newIds.length) : 0;
      const chat = await this.viewInside(chatId, actorId);
      const snapshot = this.chats.snapshotOf(chat);
      newIds.forEach((userId, i) =>
        this.transactions.publish(
          ChatsEvents.memberAdded,
          new ChatMemberAddedEvent(snapshot, userId, firstRev + i),
        ),
      );
      return chat;
    });
  }

  /**
   * Removes a member, or leaves when it is the actor. An owner who leaves hands the group to the
   * longest-standing member; the last one out deletes the chat.
   */
  remove(actorId: number, chatId: number, userId: number): Promise<void> {
    return this.transactions.run(async () => {
      const { chat, actor } = await this.lockGroup(chatId, actorId);
      if (userId !== actorId) assertAdmin(actor.role);
      const target =
        userId === actorId ? actor : await this.repository.findParticipant(chatId, userId);
      if (!target) throw new ChatsError(ChatsErrorCode.PARTICIPANT_NOT_FOUND);
      if (target !== actor) assertMayRemove(actor.role, target.role);
      await this.repository.deleteParticipant(chatId, userId);
      const successor =
        target.role === 'owner' ? await this.repository.longestStanding(chatId) : null;
      if (successor) await this.repository.setRole(chatId, successor.userId, 'owner');
      const chatDeleted = (await this.repository.countParticipants(chatId)) === 0;
      if (chatDeleted) {
        await this.deletionHooks.run(chatId);
        await this.repository.deleteChat(chatId);
      }
      // The removal and the hand-over are two changes, announced by two events: two revs.
      const rev = chatDeleted
        ? chat.lastRev + 1
        : await this.repository.takeChatRevs(chatId, successor ? 2 : 1);
      this.transactions.publish(
        ChatsEvents.memberRemoved,
        new ChatMemberRemovedEvent(chatId, chat.topic, userId, chatDeleted, rev),
      );
      if (successor) await this.updated(chatId, successor.userId);
    });
  }

  /** The owner makes a member an admin, or an admin a member again. */
  changeRole(
    actorId: number,
    chatId: number,
    userId: number,
    role: Exclude<ParticipantRole, 'owner'>,
  ): Promise<ChatResponseDto> {
    return this.transactions.run(async () => {
      const { actor } = await this.lockGroup(chatId, actorId);
      const target = await this.repository.findParticipant(chatId, userId);
      if (!target) throw new ChatsError(ChatsErrorCode.PARTICIPANT_NOT_FOUND);
      assertMayChangeRole(actor.role, target.role);
      await this.repository.setRole(chatId, userId, role);
      await this.repository.takeChatRevs(chatId, 1);
      return this.updated(chatId, actorId);
    });
  }

  private async lockGroup(chatId: number, actorId: number): Promise<LockedGroup> {
    const chat = await this.repository.lockChat(chatId);
    const actor = chat && (await this.repository.findParticipant(chatId, actorId));
    if (!chat || !actor) throw ChatsError.notFound();
    if (chat.type !== 'group') throw new ChatsError(ChatsErrorCode.NOT_A_GROUP_CHAT);
    return { chat, actor };
  }

  /** Announces the changed chat and answers with it as the viewer sees it. */
  private async updated(chatId: number, viewerId: number): Promise<ChatResponseDto> {
    const chat = await this.viewInside(chatId, viewerId);
    this.transactions.publish(
      ChatsEvents.updated,
      new ChatUpdatedEvent(this.chats.snapshotOf(chat)),
    );
    return chat;
  }

  /** The locked chat as the viewer sees it at the end of the change, inside its transaction. */
  private async viewInside(chatId: number, viewerId: number): Promise<ChatResponseDto> {
    const chat = (await this.repository.findChat(chatId))!;
    return this.chats.viewOf(chat, viewerId);
  }
}
