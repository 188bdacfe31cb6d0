import {
  DeleteObjectsCommand,
  GetObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { OnModuleDestroy } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AppConfig } from '../../config/app-config';
import { AttachmentStorage } from './attachment-storage';

/**
 * The smallest part S3 accepts (but for the last one). An upload holds at most a few parts in memory,
 * whatever the size of the file, so the smallest allowed keeps many concurrent uploads cheap.
 */
const PART_BYTES = 5 * 1024 * 1024;

/** Parts sent at once per upload: one goes out while the next is read from the client. */
const PARTS_IN_FLIGHT = 2;

/** The most keys one DeleteObjects request takes. */
const DELETE_BATCH = 1000;

/**
 * Files in an S3-compatible store (AWS S3, MinIO, Cloudflare R2, Ceph), one object per file under its
 * key. Writes go through lib-storage's Upload: a file that fits in one part is one PutObject, a bigger
 * one a multipart upload that is aborted when anything fails, so a failed write leaves no object (S3
 * only shows a multipart upload once it is completed).
 */
export class S3AttachmentStorage implements AttachmentStorage, OnModuleDestroy {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: NonNullable<AppConfig['attachments']['s3']>) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint ?? undefined,
      forcePathStyle: config.forcePathStyle,
      // Undefined: the SDK's default chain (environment, profile, instance or task role).
      credentials: config.credentials ?? undefined,
      // Checksums only where the API requires them. The SDK's default adds CRC32 checksums to every
      // upload, which several S3-compatible stores refuse or mishandle; the parts are buffers, so
      // SigV4 signs their SHA-256 all the same.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Readable, contentType: string): Promise<{ size: number }> {
    // The size is what passed through, not what the client announced.
    let size = 0;
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of body) {
          const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
          size += bytes.length;
          yield bytes;
        }
      })(),
      { objectMode: false },
    );
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted, ContentType: contentType },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      // The default, said out loud: on failure the multipart upload is aborted, its parts dropped.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { size };
    } catch (error) {
      // When the abort itself fails, lib-storage throws its error instead of the first one; the
      // source's own error (a client gone, a size limit) is the one callers act on. Parts left by a
      // failed abort are never readable; a bucket lifecycle rule (AbortIncompleteMultipartUpload)
      // clears them.
      throw body.errored ?? error;
    }
  }

  async get(key: string): Promise<Readable | null> {
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      // In Node the body is the HTTP response itself: bytes arrive as the reader pulls them.
      if (!(Body instanceof Readable)) throw new Error(`GetObject of ${key} answered no stream`);
      return Body;
    } catch (error) {
      if (isMissingKey(error)) return null;
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const { Errors } = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          // Content-MD5, which this call has always required: older MinIO releases and other
          // S3-compatible stores refuse the CRC32 that the SDK sends in its place otherwise.
          ChecksumAlgorithm: 'MD5',
        }),
      );
      // A missing key counts as deleted; a key listed here (access denied, say) is still stored.
      if (Errors && Errors.length > 0) {
        const [{ Key, Code, Message }] = Errors;
        throw new Error(
          `S3 kept ${Errors.length} of ${batch.length} objects: ${Key}: ${Code} ${Message}`,
        );
      }
    }
  }

  onModuleDestroy(): void {
    this.client.destroy();
  }
}

/**
 * NoSuchKey, or a bare 404 from a store that answers without an error code (the SDK then names it
 * after the status). A missing bucket is a setup error, never a missing file.
 */
function isMissingKey(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' ||
      (error.$metadata.httpStatusCode === 404 && error.name !== 'NoSuchBucket'))
  );
}
