import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ATTACHMENT_STORAGE,
  AttachmentStorage,
} from '../../src/attachments/storage/attachment-storage';
import { PostgresAttachmentStorage } from '../../src/attachments/storage/postgres-attachment-storage';
import { S3AttachmentStorage } from '../../src/attachments/storage/s3-attachment-storage';
import { startS3Server } from '../utils/s3-server';
import { startTestApp } from '../utils/test-app';

const MiB = 1024 * 1024;

interface Started {
  storage: AttachmentStorage;
  stop(): Promise<void>;
}

/**
 * Each driver as the app builds it from its configuration: the app boots on a fresh database, with
 * ATTACHMENT_STORAGE pointing at PostgreSQL or at an S3 server started here.
 */
const drivers: [string, new (...args: never[]) => AttachmentStorage, () => Promise<Started>][] = [
  [
    'PostgreSQL',
    PostgresAttachmentStorage,
    async () => {
      const app = await startTestApp();
      return { storage: app.app.get(ATTACHMENT_STORAGE), stop: () => app.close() };
    },
  ],
  [
    'S3 (s3rver)',
    S3AttachmentStorage,
    async () => {
      const s3 = await startS3Server();
      try {
        const app = await startTestApp(s3.env);
        return {
          storage: app.app.get(ATTACHMENT_STORAGE),
          stop: async () => {
            await app.close();
            await s3.stop();
          },
        };
      } catch (error) {
        await s3.stop();
        throw error;
      }
    },
  ],
];

describe.each(drivers)('attachment storage on %s', (_name, driverClass, start) => {
  let storage: AttachmentStorage;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ storage, stop } = await start());
  });

  afterAll(async () => {
    await stop?.();
  });

  it('is the driver the configuration names', () => {
    expect(storage).toBeInstanceOf(driverClass);
  });

  it.each([
    ['a small file', 1000],
    ['an empty file', 0],
    ['a file of several parts, in odd-sized chunks', 3.5 * MiB],
    ['a file of exactly one S3 part', 5 * MiB],
    ['a file one byte past a part', 5 * MiB + 1],
  ])('stores %s and gives back the same bytes', async (_what, size) => {
    const bytes = randomBytes(size);
    const key = newKey();

    await expect(storage.put(key, inOddChunks(bytes), 'application/octet-stream')).resolves.toEqual(
      { size },
    );

    const read = await readAll(await storage.get(key));
    expect(read.length).toBe(size);
    expect(read.equals(bytes)).toBe(true);
  });

  it('answers null for a key with nothing stored', async () => {
    await expect(storage.get(newKey())).resolves.toBeNull();
  });

  it('deletes several files at once, and deleting again or deleting missing keys is fine', async () => {
    const [kept, gone1, gone2] = [newKey(), newKey(), newKey()];
    for (const key of [kept, gone1, gone2]) {
      await storage.put(key, Readable.from([Buffer.from(key)]), 'text/plain');
    }

    await storage.delete([gone1, newKey(), gone2]);
    await expect(storage.get(gone1)).resolves.toBeNull();
    await expect(storage.get(gone2)).resolves.toBeNull();
    expect((await readAll(await storage.get(kept))).toString()).toBe(kept);

    await storage.delete([gone1, gone2]);
    await storage.delete([newKey()]);
    await storage.delete([]);
    expect((await readAll(await storage.get(kept))).toString()).toBe(kept);
  });

  it('deletes more keys than one request to S3 takes (1000)', async () => {
    const keys = Array.from({ length: 2500 }, newKey);
    // Stored files at each edge of the batches; the rest of the keys name nothing.
    const stored = [0, 999, 1000, 1999, 2000, 2499].map((index) => keys[index]);
    for (const key of stored) {
      await storage.put(key, Readable.from([Buffer.from(key)]), 'text/plain');
    }

    await storage.delete(keys);

    for (const key of stored) await expect(storage.get(key)).resolves.toBeNull();
  });

  it.each([
    ['before the first part is full', 1.5 * MiB],
    ['after several parts', 12 * MiB],
  ])(
    'rejects a put whose source fails %s, leaving nothing under the key',
    async (_when, failAfter) => {
      const key = newKey();
      const failure = new Error('the client went away');

      await expect(storage.put(key, failingAfter(failAfter, failure), 'image/png')).rejects.toBe(
        failure,
      );
      await expect(storage.get(key)).resolves.toBeNull();

      // Nothing half-written stands in the way of the key either.
      const bytes = randomBytes(1000);
      await storage.put(key, inOddChunks(bytes), 'image/png');
      expect((await readAll(await storage.get(key))).equals(bytes)).toBe(true);
    },
  );

  it('rejects a put whose source is destroyed half-way, leaving nothing under the key', async () => {
    const key = newKey();
    await expect(storage.put(key, destroyedAfter(7 * MiB), 'video/mp4')).rejects.toThrow();
    await expect(storage.get(key)).resolves.toBeNull();
  });

  it('stores files of different keys concurrently', async () => {
    const files = [0, 1, 999, MiB + 1, 3 * MiB, 6 * MiB + 7].map((size) => ({
      key: newKey(),
      bytes: randomBytes(size),
    }));

    const sizes = await Promise.all(
      files.map(({ key, bytes }) => storage.put(key, inOddChunks(bytes), 'application/pdf')),
    );

    expect(sizes).toEqual(files.map(({ bytes }) => ({ size: bytes.length })));
    for (const { key, bytes } of files) {
      expect((await readAll(await storage.get(key))).equals(bytes)).toBe(true);
    }
  });

  it('streams a 40 MiB file in and out', async () => {
    const size = 40 * MiB;
    const key = newKey();
    const source = generated(size, key);

    await expect(storage.put(key, source, 'video/mp4')).resolves.toEqual({ size });

    const written = source.digest();
    const read = await digestOf(await storage.get(key));
    expect(read).toEqual({ size, sha256: written });
  }, 180_000);
});

/** A storage key, as short as the PostgreSQL store requires (64 characters). */
function newKey(): string {
  return `test-${randomUUID()}`;
}

/** The chunk sizes a slow or odd client might send: none a power of two, some tiny. */
const ODD_CHUNKS = [1, 7, 4093, 65_537, 1_000_003, 13];

function inOddChunks(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      let at = 0;
      for (let i = 0; at < bytes.length; i += 1) {
        const size = ODD_CHUNKS[i % ODD_CHUNKS.length];
        yield bytes.subarray(at, at + size);
        at += size;
      }
    })(),
  );
}

/** `size` bytes of pseudo-random data made as they are read, and their SHA-256 once all are read. */
function generated(size: number, seed: string): Readable & { digest(): string } {
  const hash = createHash('sha256');
  let block = createHash('sha256').update(seed).digest();
  let made = 0;
  const stream = new Readable({
    read() {
      if (made >= size) {
        this.push(null);
        return;
      }
      // Chunks of an odd size, each made of the one before (a hash chain: cheap, never repeating).
      const chunk = Buffer.alloc(Math.min(size - made, 262_147));
      for (let at = 0; at < chunk.length; at += block.length) {
        block = createHash('sha256').update(block).digest();
        block.copy(chunk, at);
      }
      hash.update(chunk);
      made += chunk.length;
      this.push(chunk);
    },
  });
  return Object.assign(stream, {
    digest: () => {
      if (made !== size) throw new Error(`only ${made} of ${size} bytes were read`);
      return hash.digest('hex');
    },
  });
}

/** A source that sends `after` bytes and then fails with `error`, as a broken upload does. */
function failingAfter(after: number, error: Error): Readable {
  return Readable.from(
    (async function* () {
      for (let sent = 0; sent < after; sent += 65_536) {
        yield randomBytes(Math.min(65_536, after - sent));
      }
      throw error;
    })(),
  );
}

/** A source that sends `after` bytes and is then destroyed without an error, as when a client hangs up. */
function destroyedAfter(after: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= after) {
        this.destroy();
        return;
      }
      const chunk = randomBytes(65_536);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

async function readAll(stream: Readable | null): Promise<Buffer> {
  if (stream === null) throw new Error('nothing is stored under the key');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The size and SHA-256 of a stream, read chunk by chunk (never held whole). */
async function digestOf(stream: Readable | null): Promise<{ size: number; sha256: string }> {
  if (stream === null) throw new Error('nothing is stored under the key');
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
