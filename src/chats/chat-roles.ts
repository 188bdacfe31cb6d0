import { ChatsError, ChatsErrorCode } from './chats.errors';
import { ParticipantRole } from './entities/chat-participant.entity';

/** Renaming and adding members: the owner or an admin. */
export function assertAdmin(actor: ParticipantRole): void {
  if (actor === 'member') throw new ChatsError(ChatsErrorCode.NOT_CHAT_ADMIN);
}

/** The owner removes anyone else; an admin removes plain members only. */
export function assertMayRemove(actor: ParticipantRole, target: ParticipantRole): void {
  assertAdmin(actor);
  if (target === 'owner' || (target === 'admin' && actor !== 'owner')) {
    throw new ChatsError(ChatsErrorCode.CANNOT_REMOVE_PARTICIPANT);
  }
}

/** Only the owner changes roles, and never the owner's own. */
export function assertMayChangeRole(actor: ParticipantRole, target: ParticipantRole): void {
  if (actor !== 'owner') throw new ChatsError(ChatsErrorCode.NOT_CHAT_OWNER);
  if (target === 'owner') throw new ChatsError(ChatsErrorCode.OWNER_ROLE_FIXED);
}
