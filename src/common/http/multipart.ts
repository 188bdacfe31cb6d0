import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { DomainError } from '../errors/domain-error';

const TOO_MANY_PARTS = new Set(['FST_FIELDS_LIMIT', 'FST_FILES_LIMIT', 'FST_PARTS_LIMIT']);

/** The one file of a multipart/form-data request, streamed: what `consume` makes of it. */
export interface StreamedFile {
  stream: Readable;
  fileName: string | undefined;
  declaredType: string | undefined;
  /** True once the stream ended because the file passed maxBytes. */
  truncated(): boolean;
}

/**
 * Hands the one file of a multipart/form-data request to `consume` as it streams (never whole in
 * memory). `consume` must read the stream to its end and check `truncated()`; when the request
 * turns out wrong after it (a second part), `undo` is given its result before the refusal.
 */
export async function receiveUploadedFile<T>(
  request: FastifyRequest,
  field: string,
  maxBytes: number,
  consume: (file: StreamedFile) => Promise<T>,
  undo: (result: T) => Promise<void>,
): Promise<T> {
  if (!request.isMultipart()) {
    throw new UnsupportedMediaTypeException(
      `Send the file as multipart/form-data in the field "${field}"`,
    );
  }
  const onlyOneFile = () =>
    new BadRequestException(`Send exactly one file, in the multipart field "${field}"`);
  let received: { result: T } | null = null;
  try {
    for await (const part of request.parts({
      limits: { fileSize: maxBytes, files: 1, fields: 0 },
    })) {
      if (part.type !== 'file' || part.fieldname !== field || received !== null)
        throw onlyOneFile();
      const file = part.file;
      const result = await consume({
        stream: file,
        fileName: part.filename,
        declaredType: part.mimetype,
        truncated: () => file.truncated,
      }).catch((error: unknown) => {
        drain(file);
        throw error;
      });
      received = { result };
    }
    if (received === null) throw onlyOneFile();
    return received.result;
  } catch (error) {
    if (received !== null) await undo(received.result);
    const code = (error as { code?: string }).code ?? '';
    if (TOO_MANY_PARTS.has(code)) throw onlyOneFile();
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new PayloadTooLargeException(`The file must be at most ${maxBytes} bytes`);
    }
    if (error instanceof HttpException || error instanceof DomainError) throw error;
    throw new BadRequestException(`The multipart body is malformed: ${(error as Error).message}`);
  }
}

/** Reads the one file of a multipart/form-data request into memory, refusing more than maxBytes. */
export async function readUploadedFile(
  request: FastifyRequest,
  field: string,
  maxBytes: number,
): Promise<Buffer> {
  if (!request.isMultipart()) {
    throw new UnsupportedMediaTypeException(
      `Send the file as multipart/form-data in the field "${field}"`,
    );
  }
  const onlyOneFile = () =>
    new BadRequestException(`Send exactly one file, in the multipart field "${field}"`);
  try {
    // Every part is read, so a second file or a field anywhere is refused, not silently ignored.
    let data: Buffer | null = null;
    for await (const part of request.parts({
      limits: { fileSize: maxBytes, files: 1, fields: 0 },
    })) {
      if (part.type !== 'file' || part.fieldname !== field || data !== null) throw onlyOneFile();
      data = await part.toBuffer();
      if (part.file.truncated) throw new PayloadTooLargeException();
    }
    if (data === null) throw onlyOneFile();
    return data;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (TOO_MANY_PARTS.has(code)) throw onlyOneFile();
    if (code === 'FST_REQ_FILE_TOO_LARGE' || error instanceof PayloadTooLargeException) {
      throw new PayloadTooLargeException(`The file must be at most ${maxBytes} bytes`);
    }
    if (error instanceof HttpException) throw error;
    // Everything else comes from parsing the client's bytes (no boundary, a body cut short).
    throw new BadRequestException(`The multipart body is malformed: ${(error as Error).message}`);
  }
}

/**
 * A file refused before the client finished sending it: the rest is read away (up to maxBytes, as
 * the parser counts it) so the connection can carry the answer and the next request; the request
 * timeout bounds a client that never finishes. An abandoned async iterator leaves a 'readable'
 * listener that would keep the stream paused.
 */
function drain(file: Readable): void {
  file.removeAllListeners('readable');
  file.resume();
}
