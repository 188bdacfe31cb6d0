import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ChatDeletionHooks } from '../chats/chat-deletion-hooks';
import { ChatsService } from '../chats/chats.service';
import { AttachmentLinks, FileVariant, LinkQuery } from './attachment-links';
import { AttachmentsError } from './attachments.errors';
import { AttachmentResponseDto } from './dto/attachment-response.dto';
import { Upload } from './entities/upload.entity';
import { ATTACHMENT_STORAGE, AttachmentStorage } from './storage/attachment-storage';
import { isRasterType } from './upload-type';
import { AttachLink, UploadsRepository } from './uploads.repository';

/** The most files one message carries. */
export const MAX_ATTACHMENTS = 10;

/** An attached file as a message holds it, before links are signed for a reader. */
export interface AttachedFile {
  id: number;
  contentType: string;
  size: number;
  name: string;
  width: number | null;
  height: number | null;
  hasThumbnail: boolean;
}

/** An upload a send names, as the flush found it under lock. */
export interface UploadForAttach {
  ownerId: number;
  /** Not attached yet and not expired. */
  available: boolean;
  file: AttachedFile;
}

/** A file to send to a reader who may see it. */
export interface OpenedFile {
  body: Readable;
  contentType: string;
  size: number | null;
  etag: string;
  name: string;
  /** Pictures (re-encoded by us) are shown inline; anything else is only ever downloaded. */
  inline: boolean;
}

/**
 * Files of messages: the messages flush attaches uploads through here inside its transaction,
 * message views take their files from here, and signed links are answered here, each after
 * checking that the reader may still see the message.
 */
@Injectable()
export class AttachmentsService implements OnModuleInit {
  constructor(
    private readonly repository: UploadsRepository,
    private readonly links: AttachmentLinks,
    private readonly chats: ChatsService,
    private readonly chatDeletion: ChatDeletionHooks,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
  ) {}

  /** A deleted chat's files would hold its messages' rows back: they are released to the purge. */
  onModuleInit(): void {
    this.chatDeletion.register((chatId) => this.repository.releaseChat(chatId));
  }

  /** Inside the flush: locks the uploads named and says which are free to attach, by id. */
  async lockForAttach(ids: number[]): Promise<Map<number, UploadForAttach>> {
    if (ids.length === 0) return new Map();
    const locks = await this.repository.lockForAttach([...new Set(ids)]);
    return new Map(
      locks.map(({ upload, available }) => [
        upload.id,
        { ownerId: upload.ownerId, available, file: toAttachedFile(upload) },
      ]),
    );
  }

  /** Inside the flush, after lockForAttach: the uploads now belong to their messages. */
  attach(links: AttachLink[]): Promise<void> {
    return this.repository.attach(links);
  }

  /** Inside a delete's transaction: the messages' files stop being served at once. */
  detach(messageIds: number[]): Promise<void> {
    return this.repository.detach(messageIds);
  }

  /** The files of these messages (one query), by message id in attachment order. */
  async filesOf(messageIds: number[]): Promise<Map<number, AttachedFile[]>> {
    const files = new Map<number, AttachedFile[]>();
    for (const upload of await this.repository.attachedTo(messageIds)) {
      const list = files.get(upload.messageId!) ?? [];
      list.push(toAttachedFile(upload));
      files.set(upload.messageId!, list);
    }
    return files;
  }

  /** The files with links signed for `reader`. */
  forReader(files: AttachedFile[], reader: number): AttachmentResponseDto[] {
    return files.map(({ hasThumbnail, ...file }) => ({
      ...file,
      url: this.links.link(file.id, 'file', reader),
      thumbnailUrl: hasThumbnail ? this.links.link(file.id, 'thumbnail', reader) : null,
    }));
  }

  /** The same files signed again for another reader (an event going to each participant). */
  resign(attachments: AttachmentResponseDto[], reader: number): AttachmentResponseDto[] {
    return this.forReader(
      attachments.map(({ url: _url, thumbnailUrl, ...file }) => ({
        ...file,
        hasThumbnail: thumbnailUrl !== null,
      })),
      reader,
    );
  }

  /**
   * What a signed link names, for the reader it was signed for: 403 for a link not signed here or
   * expired, 404 unless the file is attached to a message that is not deleted, of a chat the
   * reader is in now.
   */
  async open(uploadId: number, variant: FileVariant, query: LinkQuery): Promise<OpenedFile> {
    this.links.verify(uploadId, variant, query);
    const upload = await this.repository.find(uploadId);
    if (!upload || upload.chatId === null || upload.detachedAt !== null) {
      throw AttachmentsError.notFound();
    }
    const key = variant === 'file' ? upload.storageKey : upload.thumbnailKey;
    if (key === null) throw AttachmentsError.notFound();
    const members = await this.chats.participantsAmong(upload.chatId, [query.reader]);
    if (!members.has(query.reader)) throw AttachmentsError.notFound();
    const body = await this.storage.get(key);
    if (!body) throw AttachmentsError.notFound();
    const file = variant === 'file';
    return {
      body,
      contentType: file ? upload.contentType : 'image/webp',
      size: file ? upload.size : null,
      etag: `"${upload.sha256.slice(0, 32)}${file ? '' : '-t'}"`,
      name: file ? upload.name : `${upload.name}.thumbnail.webp`,
      inline: !file || isRasterType(upload.contentType),
    };
  }

  /** Seconds the link has left: how long a browser may keep what it fetched. */
  secondsLeft(query: LinkQuery): number {
    return this.links.secondsLeft(query);
  }
}

function toAttachedFile(upload: Upload): AttachedFile {
  return {
    id: upload.id,
    contentType: upload.contentType,
    size: upload.size,
    name: upload.name,
    width: upload.width,
    height: upload.height,
    hasThumbnail: upload.thumbnailKey !== null,
  };
}
