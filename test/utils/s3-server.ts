import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { Env } from '../../src/config/load-config';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** What points the app at this server with ATTACHMENT_STORAGE=s3. */
  env: Env;
  stop(): Promise<void>;
}

/**
 * s3rver's one account. It checks that requests name this key id but does not verify SigV4
 * signatures, so the secret only has to be there.
 */
const ACCESS_KEY = 'S3RVER';

/**
 * A real S3-protocol server (s3rver, in this process) on a random port of the loopback, keeping its
 * files in a new temporary directory, with one empty bucket. stop() closes it and removes the files.
 */
export async function startS3Server(bucket = 'attachments'): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  let endpoint: string;
  try {
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint,
    bucket,
    env: {
      ATTACHMENT_STORAGE: 's3',
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ENDPOINT: endpoint,
      // s3rver serves buckets as subdomains of amazonaws.com only; by address, a bucket is in the path.
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: ACCESS_KEY,
    },
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
