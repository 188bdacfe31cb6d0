import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { FastifyRequest } from 'fastify';

const TOO_MANY_PARTS = new Set(['FST_FIELDS_LIMIT', 'FST_FILES_LIMIT', 'FST_PARTS_LIMIT']);

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
