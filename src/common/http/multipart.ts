import {
  BadRequestException,
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
    const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 0 } });
    if (!part || part.fieldname !== field) throw onlyOneFile();
    const data = await part.toBuffer();
    if (part.file.truncated) throw new PayloadTooLargeException();
    return data;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (TOO_MANY_PARTS.has(code)) throw onlyOneFile();
    if (code === 'FST_REQ_FILE_TOO_LARGE' || error instanceof PayloadTooLargeException) {
      throw new PayloadTooLargeException(`The file must be at most ${maxBytes} bytes`);
    }
    throw error;
  }
}
