import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { LoggerModule } from 'nestjs-pino';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { ChatsModule } from './chats/chats.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { LifecycleModule } from './common/lifecycle/lifecycle.module';
import { AttachmentsModule } from './attachments/attachments.module';
import { AppLogger } from './common/logging/app.logger';
import { loggerOptions } from './common/logging/logger-options';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { AppValidationPipe } from './common/validation/app-validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DocsModule } from './docs/docs.module';
import { FriendsModule } from './friends/friends.module';
import { HealthModule } from './health/health.module';
import { HomeModule } from './home/home.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RealtimeModule } from './realtime/realtime.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** The whole app for a resolved configuration (main.ts and the tests build it alike). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config)),
        EventEmitterModule.forRoot(),
        LifecycleModule,
        MetricsModule,
        DatabaseModule,
        RateLimitModule,
        UsersModule,
        AuthModule,
        FriendsModule,
        ChatsModule,
        MessagesModule,
        AttachmentsModule,
        RealtimeModule,
        NotificationsModule,
        AdminModule,
        AccountsModule,
        HealthModule,
        DocsModule,
        HomeModule,
      ],
      providers: [
        AppLogger,
        { provide: APP_PIPE, useClass: AppValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
