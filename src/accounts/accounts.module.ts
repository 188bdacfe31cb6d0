import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { ChatsModule } from '../chats/chats.module';
import { FriendsModule } from '../friends/friends.module';
import { MessagesModule } from '../messages/messages.module';
import { UsersModule } from '../users/users.module';
import { AccountExportController } from './account-export.controller';
import { AccountExportService } from './account-export.service';

/** A person's account as a whole, across the modules that hold its parts: their export. */
@Module({
  imports: [UsersModule, FriendsModule, ChatsModule, MessagesModule, AttachmentsModule],
  controllers: [AccountExportController],
  providers: [AccountExportService],
})
export class AccountsModule {}
