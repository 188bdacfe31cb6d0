import { AttachmentsModule } from '../attachments/attachments.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatsModule } from '../chats/chats.module';
import { UsersModule } from '../users/users.module';
import { MessageChanges } from './message-changes';
import { Message } from './entities/message.entity';
import { MessageReaction } from './entities/message-reaction.entity';
import { MessageMention } from './entities/message-mention.entity';
import { MessageBatcher } from './message-batcher';
import { MessageFiles } from './message-files';
import { MessagesController } from './messages.controller';
import { UnreadMentions } from '../chats/unread-mentions';
import { MentionsRepository, unreadMentionsSql } from './mentions.repository';
import { MessagesRepository } from './messages.repository';
import { MessageSearchController } from './message-search.controller';
import { MessageSearchService } from './message-search.service';
import { MessagesService } from './messages.service';
import { SearchIndexCheck } from './search-index-check';
import { ReactionsController } from './reactions.controller';
import { ReactionsRepository } from './reactions.repository';
import { ReactionsService } from './reactions.service';

@Module({
  imports: [
    ChatsModule,
    UsersModule,
    AttachmentsModule,
    TypeOrmModule.forFeature([Message, MessageReaction, MessageMention]),
  ],
  controllers: [MessagesController, ReactionsController, MessageSearchController],
  providers: [
    MessagesRepository,
    MentionsRepository,
    ReactionsRepository,
    MessageBatcher,
    MessageFiles,
    MessageChanges,
    MessagesService,
    ReactionsService,
    MessageSearchService,
    SearchIndexCheck,
  ],
  exports: [MessagesService, ReactionsService],
})
export class MessagesModule {
  /** Chat lists and unread totals count mentions from our rows (see UnreadMentions). */
  constructor(unreadMentions: UnreadMentions) {
    unreadMentions.provide(unreadMentionsSql);
  }
}
