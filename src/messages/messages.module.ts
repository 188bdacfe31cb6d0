import { AttachmentsModule } from '../attachments/attachments.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatsModule } from '../chats/chats.module';
import { UsersModule } from '../users/users.module';
import { ChatChanges } from './chat-changes';
import { Message } from './entities/message.entity';
import { MessageReaction } from './entities/message-reaction.entity';
import { MessageMention } from './entities/message-mention.entity';
import { MessageBatcher } from './message-batcher';
import { MessageFiles } from './message-files';
import { MessagesController } from './messages.controller';
import { MentionsRepository } from './mentions.repository';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
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
  controllers: [MessagesController, ReactionsController],
  providers: [
    MessagesRepository,
    MentionsRepository,
    ReactionsRepository,
    MessageBatcher,
    MessageFiles,
    ChatChanges,
    MessagesService,
    ReactionsService,
  ],
  exports: [MessagesService, ReactionsService],
})
export class MessagesModule {}
