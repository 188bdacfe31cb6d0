import { Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { receiveUploadedFile } from '../common/http/multipart';
import { UploadResponseDto } from './dto/upload-response.dto';
import { UploadsService } from './uploads.service';

@ApiTags('attachments')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('uploads')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @RouteConfig({ multipart: true })
  @ApiOperation({
    operationId: 'upload',
    summary: 'Upload a file to attach to a message',
    description: [
      'The type is decided from the bytes against the allow list (UPLOAD_TYPES: pictures PNG, JPEG,',
      'WebP and GIF, PDF, UTF-8 plain text, MP3, Ogg, WAV, FLAC, AAC, M4A, MP4, QuickTime, WebM by',
      'default); a name or part type that names another known type is a mismatch. Pictures are',
      'decoded and encoded afresh (upright, at most 4096 px a side, no EXIF, GPS or other metadata)',
      'with a WebP thumbnail of at most 320 px. The upload waits to be attached (`attachmentIds` on',
      'a send) until `expiresAt`. Refusals store nothing: 400 `UPLOAD_EMPTY`; 413 `UPLOAD_TOO_LARGE`',
      '(UPLOAD_MAX_BYTES, 25 MiB by default, refused as the stream passes it) or `QUOTA_EXCEEDED`',
      '(UPLOAD_QUOTA_BYTES over all my stored files); 415 `UNSUPPORTED_TYPE`, `TYPE_MISMATCH`,',
      '`INVALID_IMAGE` (does not decode completely) or `TOO_MANY_PIXELS` (UPLOAD_MAX_IMAGE_PIXELS,',
      'judged from the header before decoding).',
    ].join(' '),
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    },
  })
  @ApiCreatedResponse({ type: UploadResponseDto })
  @ApiErrors(400, 413, 415)
  async upload(
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<UploadResponseDto> {
    await this.uploads.assertRoomFor(user.id);
    return receiveUploadedFile(
      request,
      'file',
      this.uploads.maxBytes,
      (file) => this.uploads.upload(user.id, file),
      (upload) => this.uploads.withdraw(user.id, upload.id),
    );
  }
}
