import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { AttachmentsModule } from '../attachments/attachments.module';
import { AuthModule } from '../auth/auth.module';
import { ChatsModule } from '../chats/chats.module';
import { FriendsModule } from '../friends/friends.module';
import { MessagesModule } from '../messages/messages.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { UsersModule } from '../users/users.module';
import { AccountDeletionController } from './account-deletion.controller';
import { AccountDeletionService } from './account-deletion.service';
import { AccountErasure } from './account-erasure';
import { AccountExportController } from './account-export.controller';
import { AccountExportService } from './account-export.service';
import { AdminAccountsController } from './admin-accounts.controller';

/** A person's account as a whole, across the modules that hold its parts: its export and deletion. */
@Module({
  imports: [
    UsersModule,
    AuthModule,
    FriendsModule,
    ChatsModule,
    MessagesModule,
    AttachmentsModule,
    NotificationsModule,
    AdminModule,
  ],
  controllers: [AccountExportController, AccountDeletionController, AdminAccountsController],
  providers: [AccountExportService, AccountDeletionService, AccountErasure],
})
export class AccountsModule {}
