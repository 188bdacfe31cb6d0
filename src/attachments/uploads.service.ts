import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ImageRefusedError, prepareImage, PreparedImage } from '../common/images/image-pipeline';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AttachmentsError, AttachmentsErrorCode } from './attachments.errors';
import { UploadResponseDto } from './dto/upload-response.dto';
import { Upload } from './entities/upload.entity';
import { ATTACHMENT_STORAGE, AttachmentStorage } from './storage/attachment-storage';
import { uploadName } from './upload-name';
import {
  isRasterType,
  PlainTextCheck,
  SNIFF_BYTES,
  sniffUploadType,
  typeMismatch,
} from './upload-type';
import { NewUpload, UploadExport, UploadsRepository } from './uploads.repository';

/** A file as it arrives: its bytes still streaming from the client. */
export interface IncomingFile {
  stream: Readable;
  /** The name and type the client gave; neither decides anything but is checked against the bytes. */
  fileName: string | undefined;
  declaredType: string | undefined;
  /** True once the stream ended because the file passed the size limit. */
  truncated(): boolean;
}

/** The longest side of a stored picture and of its thumbnail. */
export const IMAGE_SIDE = 4096;
export const THUMBNAIL_SIDE = 320;

/**
 * Takes uploads in: the type decided from the first bytes against the allow list, pictures
 * re-encoded through the image pipeline (with a thumbnail), everything else streamed to the
 * storage as it comes; then the metadata row, within the owner's quota. A refused upload leaves
 * nothing stored.
 */
@Injectable()
export class UploadsService {
  private readonly rules: AppConfig['attachments'];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
    private readonly repository: UploadsRepository,
  ) {
    this.rules = config.attachments;
  }

  /** The owner's uploads (metadata, never bytes), for their export. */
  ownedBy(ownerId: number): Promise<UploadExport[]> {
    return this.repository.ownedBy(ownerId);
  }

  /** The largest file taken, for the multipart parser's limit. */
  get maxBytes(): number {
    return this.rules.maxUploadBytes;
  }

  /** Refuses at once an owner whose uploads already fill the quota, before a byte is read. */
  async assertRoomFor(ownerId: number): Promise<void> {
    const quota = this.rules.quotaBytesPerUser;
    if (quota !== null && (await this.repository.usedBytes(ownerId)) >= quota)
      throw quotaExceeded(quota);
  }

  async upload(ownerId: number, file: IncomingFile): Promise<UploadResponseDto> {
    const reader = file.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const head = await readHead(reader);
    if (head.length === 0) {
      throw new AttachmentsError(AttachmentsErrorCode.UPLOAD_EMPTY, 'The file is empty');
    }
    const contentType = this.typeOf(head, file);
    const name = uploadName(file.fileName);
    const stored = isRasterType(contentType)
      ? await this.storeImage(contentType, head, reader, file)
      : await this.storeFile(contentType, head, reader, file);
    const upload = await this.repository
      .insertWithinQuota(
        { ownerId, name, ...stored },
        this.rules.quotaBytesPerUser,
        this.rules.uploadTtlSeconds,
      )
      .catch(async (error: unknown) => {
        await this.discard(stored);
        throw error;
      });
    if (!upload) {
      await this.discard(stored);
      throw quotaExceeded(this.rules.quotaBytesPerUser!);
    }
    return toUploadResponse(upload);
  }

  /** Removes an upload not attached yet, with its files (a request refused after storing it). */
  /**
   * Makes the uploads of a deleted account that no live message shows due for purging now (those
   * a kept message shows stay with it); AttachmentsCleanup.purge removes them and their files.
   */
  releaseOwnedBy(ownerId: number): Promise<void> {
    return this.repository.releaseOwnedBy(ownerId);
  }

  async withdraw(ownerId: number, uploadId: number): Promise<void> {
    const files = await this.repository.deleteUnattached(uploadId, ownerId);
    if (files) await this.discard(files);
  }

  private typeOf(head: Buffer, file: IncomingFile): string {
    const sniffed = sniffUploadType(head);
    if (sniffed === null || !this.rules.allowedTypes.includes(sniffed)) {
      throw new AttachmentsError(
        AttachmentsErrorCode.UNSUPPORTED_TYPE,
        `Files may be ${this.rules.allowedTypes.join(', ')}, as their bytes show; this one is ${sniffed ?? 'none of them'}`,
      );
    }
    const mismatch = typeMismatch(sniffed, file.fileName ?? '', file.declaredType);
    if (mismatch) {
      throw new AttachmentsError(
        AttachmentsErrorCode.TYPE_MISMATCH,
        `The file's bytes are ${sniffed}, but ${mismatch}`,
      );
    }
    return sniffed;
  }

  /** A picture is read whole (it is decoded anyway), then stored re-encoded with its thumbnail. */
  private async storeImage(
    contentType: Parameters<typeof prepareImage>[1],
    head: Buffer,
    reader: AsyncIterator<Buffer>,
    file: IncomingFile,
  ): Promise<StoredUpload> {
    const chunks = [head];
    for (let next = await reader.next(); !next.done; next = await reader.next())
      chunks.push(next.value);
    if (file.truncated()) throw this.tooLarge();
    let image: PreparedImage;
    try {
      image = await prepareImage(Buffer.concat(chunks), contentType, {
        maxPixels: this.rules.maxImagePixels,
        maxSide: IMAGE_SIDE,
        animated: true,
        thumbnailSide: THUMBNAIL_SIDE,
      });
    } catch (error) {
      if (!(error instanceof ImageRefusedError)) throw error;
      throw imageRefusal(error, this.rules.maxImagePixels);
    }
    const storageKey = newKey('f');
    const thumbnailKey = image.thumbnail ? newKey('t') : null;
    await this.storage.put(storageKey, Readable.from([image.data]), image.contentType);
    if (image.thumbnail && thumbnailKey) {
      await this.storage
        .put(thumbnailKey, Readable.from([image.thumbnail.data]), image.thumbnail.contentType)
        .catch(async (error: unknown) => {
          await this.storage.delete([storageKey]);
          throw error;
        });
    }
    return {
      storageKey,
      thumbnailKey,
      contentType: image.contentType,
      size: image.data.length,
      storedBytes: image.data.length + (image.thumbnail?.data.length ?? 0),
      sha256: createHash('sha256').update(image.data).digest('hex'),
      width: image.width,
      height: image.height,
    };
  }

  /** Any other file streams to the storage as it arrives, hashed (and for text, checked) on the way. */
  private async storeFile(
    contentType: string,
    head: Buffer,
    reader: AsyncIterator<Buffer>,
    file: IncomingFile,
  ): Promise<StoredUpload> {
    const hash = createHash('sha256');
    const text = contentType === 'text/plain' ? new PlainTextCheck() : null;
    const notText = () =>
      new AttachmentsError(
        AttachmentsErrorCode.UNSUPPORTED_TYPE,
        'The file starts as plain text but is not UTF-8 text throughout',
      );
    let refusal: AttachmentsError | null = null;
    // One generator reads, checks and hashes: a client that goes away (or a refusal) fails it, and
    // with it the storage's write, which then removes what it stored.
    const source = Readable.from(
      (async function* () {
        let next: IteratorResult<Buffer> = { done: false, value: head };
        for (; !next.done; next = await reader.next()) {
          if (text && !text.accepts(next.value)) throw (refusal = notText());
          hash.update(next.value);
          yield next.value;
        }
        if (text && !text.end()) throw (refusal = notText());
      })(),
    );
    const storageKey = newKey('f');
    let size: number;
    try {
      ({ size } = await this.storage.put(storageKey, source, contentType));
    } catch (error) {
      throw refusal ?? error;
    }
    if (file.truncated()) {
      await this.storage.delete([storageKey]);
      throw this.tooLarge();
    }
    return {
      storageKey,
      thumbnailKey: null,
      contentType,
      size,
      storedBytes: size,
      sha256: hash.digest('hex'),
      width: null,
      height: null,
    };
  }

  private tooLarge(): AttachmentsError {
    return new AttachmentsError(
      AttachmentsErrorCode.UPLOAD_TOO_LARGE,
      `The file must be at most ${this.rules.maxUploadBytes} bytes`,
    );
  }

  private async discard(stored: Pick<StoredUpload, 'storageKey' | 'thumbnailKey'>): Promise<void> {
    const keys = [stored.storageKey, stored.thumbnailKey].filter(
      (key): key is string => key !== null,
    );
    await this.storage.delete(keys);
  }
}

type StoredUpload = Omit<NewUpload, 'ownerId' | 'name'>;

export function toUploadResponse(upload: Upload): UploadResponseDto {
  return {
    id: upload.id,
    contentType: upload.contentType,
    size: upload.size,
    name: upload.name,
    width: upload.width,
    height: upload.height,
    expiresAt: upload.expiresAt?.toISOString() ?? null,
  };
}

/** The first SNIFF_BYTES bytes of the stream (fewer if it ends first). */
async function readHead(reader: AsyncIterator<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < SNIFF_BYTES) {
    const next = await reader.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.length;
  }
  return Buffer.concat(chunks);
}

function newKey(kind: 'f' | 't'): string {
  return `${kind}/${randomUUID()}`;
}

function quotaExceeded(quota: number): AttachmentsError {
  return new AttachmentsError(
    AttachmentsErrorCode.QUOTA_EXCEEDED,
    `Your uploads may hold at most ${quota} bytes; files of deleted messages count until they are purged`,
  );
}

function imageRefusal(error: ImageRefusedError, maxPixels: number): AttachmentsError {
  if (error.reason === 'too-many-pixels') {
    return new AttachmentsError(
      AttachmentsErrorCode.TOO_MANY_PIXELS,
      `Pictures may have at most ${maxPixels} pixels; this one is ${error.width} × ${error.height}`,
    );
  }
  return new AttachmentsError(
    AttachmentsErrorCode.INVALID_IMAGE,
    'The picture does not decode completely: it is truncated, corrupt or not what its first bytes say',
  );
}
