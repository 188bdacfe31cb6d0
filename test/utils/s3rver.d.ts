/** The part of s3rver (which ships no types) that the tests use. */
declare module 's3rver' {
  import { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    /** 0: a port the system picks. */
    port?: number;
    /** Where buckets and objects are kept, as plain files. */
    directory?: string;
    silent?: boolean;
    /** Buckets made before the server answers. */
    configureBuckets?: { name: string }[];
  }

  class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }

  export = S3rver;
}
