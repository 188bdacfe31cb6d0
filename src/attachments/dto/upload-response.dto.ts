import { ApiProperty } from '@nestjs/swagger';
import { ApiBigIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';

/** An upload of mine, waiting to be attached to a message. */
export class UploadResponseDto {
  @ApiBigIdProperty({ example: 7, description: 'Give it in `attachmentIds` when sending' })
  id!: number;

  @ApiProperty({
    example: 'image/jpeg',
    description: 'As the bytes show it (never the name or the part header)',
  })
  contentType!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 183_406,
    description: 'Bytes as stored: a picture is re-encoded, so it may differ from what was sent',
  })
  size!: number;

  @ApiProperty({
    example: 'beach.jpg',
    maxLength: 255,
    description: 'The file name, made safe to show',
  })
  name!: string;

  @ApiProperty({ type: 'integer', nullable: true, example: 1600, description: 'Pictures only' })
  width!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 1200, description: 'Pictures only' })
  height!: number | null;

  @ApiTimestampProperty({
    nullable: true,
    description: 'When it is purged unless attached first; null once attached',
  })
  expiresAt!: string | null;
}
