import {
  BadRequestException,
  HttpStatus,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { FastifyRequest } from 'fastify';

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
  const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 0 } });
  if (!part || part.fieldname !== field) {
    throw new BadRequestException(`Send the file in the multipart field "${field}"`);
  }
  try {
    return await part.toBuffer();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === HttpStatus.PAYLOAD_TOO_LARGE) {
      throw new PayloadTooLargeException(`The file must be at most ${maxBytes} bytes`);
    }
    throw error;
  }
}
