import { ChatDeletionHooks } from './chat-deletion-hooks';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FriendsModule } from '../friends/friends.module';
import { UsersModule } from '../users/users.module';
import { ChatMembersService } from './chat-members.service';
import { ChatsController } from './chats.controller';
import { ChatsRepository } from './chats.repository';
import { ChatsService } from './chats.service';
import { ChatParticipant } from './entities/chat-participant.entity';
import { ChatSession } from './entities/chat-session.entity';
import { UnreadMentions } from './unread-mentions';
import { UnreadController } from './unread.controller';

@Module({
  imports: [UsersModule, FriendsModule, TypeOrmModule.forFeature([ChatSession, ChatParticipant])],
  controllers: [ChatsController, UnreadController],
  providers: [ChatsRepository, ChatsService, ChatMembersService, ChatDeletionHooks, UnreadMentions],
  exports: [ChatsService, ChatMembersService, ChatDeletionHooks, UnreadMentions],
})
export class ChatsModule {}
