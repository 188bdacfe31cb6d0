import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { FriendsModule } from '../friends/friends.module';
import { UsersModule } from '../users/users.module';
import { AdminAudit } from './admin-audit';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AdminFriendshipsController } from './admin-friendships.controller';
import { AdminTokenGuard } from './admin-token.guard';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { AdminAuditEntry } from './entities/admin-audit-entry.entity';

/**
 * The admin API (ADMIN_API_TOKEN): its guard and audit log, which other modules' admin routes use
 * too (AdminRoute), and the routes for an app's own users: provisioning, sessions, friendships and
 * suspension.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AdminAuditEntry]), UsersModule, AuthModule, FriendsModule],
  controllers: [AdminUsersController, AdminFriendshipsController],
  providers: [AdminTokenGuard, AdminAudit, AdminAuditInterceptor, AdminUsersService],
  exports: [AdminTokenGuard, AdminAudit, AdminAuditInterceptor],
})
export class AdminModule {}
