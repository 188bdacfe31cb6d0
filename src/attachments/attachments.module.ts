import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatsModule } from '../chats/chats.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionHost } from '../database/transaction-host';
import { AttachmentLinks } from './attachment-links';
import { AttachmentsCleanup } from './attachments-cleanup';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsService } from './attachments.service';
import { AttachmentBlob } from './entities/attachment-blob.entity';
import { Upload } from './entities/upload.entity';
import { ATTACHMENT_STORAGE, AttachmentStorage } from './storage/attachment-storage';
import { PostgresAttachmentStorage } from './storage/postgres-attachment-storage';
import { UploadsController } from './uploads.controller';
import { UploadsRepository } from './uploads.repository';
import { UploadsService } from './uploads.service';

type S3Module = typeof import('./storage/s3-attachment-storage');

/** Uploads and the store of their bytes (docs/operations.md, "Attachment storage"). */
@Module({
  imports: [TypeOrmModule.forFeature([AttachmentBlob, Upload]), ChatsModule],
  controllers: [UploadsController, AttachmentsController],
  providers: [
    UploadsRepository,
    UploadsService,
    AttachmentLinks,
    AttachmentsService,
    AttachmentsCleanup,
    {
      provide: ATTACHMENT_STORAGE,
      inject: [APP_CONFIG, TransactionHost],
      useFactory: (config: AppConfig, db: TransactionHost): AttachmentStorage => {
        const { s3 } = config.attachments;
        if (!s3) return new PostgresAttachmentStorage(db);
        // Loaded only when configured: the AWS SDK costs about 20 MB and 100 ms at every start.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { S3AttachmentStorage } = require('./storage/s3-attachment-storage') as S3Module;
        return new S3AttachmentStorage(s3);
      },
    },
  ],
  exports: [ATTACHMENT_STORAGE, AttachmentsService, AttachmentsCleanup, UploadsService],
})
export class AttachmentsModule {}
