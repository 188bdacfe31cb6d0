import { Controller, Get, Headers, HttpStatus, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Public } from '../common/auth/public.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { ApiIdParam } from '../common/http/api-schema.decorator';
import { matchesEtag } from '../common/http/etag';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import { FileVariant } from './attachment-links';
import { AttachmentsService } from './attachments.service';
import { FileLinkQueryDto } from './dto/file-link-query.dto';
import { contentDisposition } from './upload-name';

const FILE_DESCRIPTION = [
  'Signed links need no Authorization header: take them from a message (`url`, `thumbnailUrl`).',
  'Each request checks that the reader the link was signed for may still see the message: 404 for',
  'an outsider, a removed member or a deleted message; 403 `LINK_INVALID` for a changed link,',
  '`LINK_EXPIRED` past `expires`. Answers carry ETag (a matching If-None-Match gets 304),',
  '`Cache-Control: private`, `X-Content-Type-Options: nosniff` and a sandboxing',
  'Content-Security-Policy; pictures are shown inline, any other file only downloaded',
  '(`Content-Disposition: attachment`).',
].join(' ');

@ApiTags('attachments')
@Public()
@Controller('attachments')
export class AttachmentsController {
  constructor(private readonly attachments: AttachmentsService) {}

  @Get(':attachmentId')
  @ApiOperation({
    operationId: 'getAttachment',
    security: [],
    summary: 'An attached file',
    description: FILE_DESCRIPTION,
  })
  @ApiOkResponse({
    description: 'The file',
    content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiResponse({
    status: HttpStatus.NOT_MODIFIED,
    description: 'Unchanged since the If-None-Match ETag',
  })
  @ApiErrors(400, 403, 404)
  @ApiIdParam('attachmentId')
  file(
    @Param('attachmentId', ParseIdPipe) id: number,
    @Query() query: FileLinkQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.send(id, 'file', query, ifNoneMatch, reply);
  }

  @Get(':attachmentId/thumbnail')
  @ApiOperation({
    operationId: 'getAttachmentThumbnail',
    security: [],
    summary: "A picture's thumbnail (WebP, at most 320 px a side)",
    description: FILE_DESCRIPTION,
  })
  @ApiOkResponse({
    description: 'The thumbnail',
    content: { 'image/webp': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiResponse({
    status: HttpStatus.NOT_MODIFIED,
    description: 'Unchanged since the If-None-Match ETag',
  })
  @ApiErrors(400, 403, 404)
  @ApiIdParam('attachmentId')
  thumbnail(
    @Param('attachmentId', ParseIdPipe) id: number,
    @Query() query: FileLinkQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.send(id, 'thumbnail', query, ifNoneMatch, reply);
  }

  private async send(
    id: number,
    variant: FileVariant,
    query: FileLinkQueryDto,
    ifNoneMatch: string | undefined,
    reply: FastifyReply,
  ): Promise<void> {
    const file = await this.attachments.open(id, variant, query);
    reply
      .header('etag', file.etag)
      .header('cache-control', `private, max-age=${this.attachments.secondsLeft(query)}`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header(
        'content-disposition',
        contentDisposition(file.inline ? 'inline' : 'attachment', file.name),
      );
    if (ifNoneMatch && matchesEtag(ifNoneMatch, file.etag)) {
      file.body.destroy();
      await reply.status(HttpStatus.NOT_MODIFIED).send();
      return;
    }
    if (file.size !== null) reply.header('content-length', file.size);
    const type = file.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : file.contentType;
    await reply.type(type).send(file.body);
  }
}
