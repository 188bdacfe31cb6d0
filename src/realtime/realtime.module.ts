import { AttachmentsModule } from '../attachments/attachments.module';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChatsModule } from '../chats/chats.module';
import { FriendsModule } from '../friends/friends.module';
import { MessagesModule } from '../messages/messages.module';
import { UsersModule } from '../users/users.module';
import { ChatGateway } from './chat.gateway';
import { DomainEventsListener } from './domain-events.listener';
import { ReaderMessages } from './reader-messages';
import { GracefulShutdown } from './graceful-shutdown';
import { PresenceService } from './presence.service';
import { SlowConsumerGuard } from './slow-consumer.guard';
import { SocketRouter } from './socket-router';
import { SocketServer } from './socket-server';
import { TypingService } from './typing.service';

@Module({
  imports: [AuthModule, UsersModule, FriendsModule, ChatsModule, MessagesModule, AttachmentsModule],
  providers: [
    ChatGateway,
    SocketServer,
    SocketRouter,
    TypingService,
    PresenceService,
    DomainEventsListener,
    ReaderMessages,
    SlowConsumerGuard,
    GracefulShutdown,
  ],
  exports: [PresenceService],
})
export class RealtimeModule {}
