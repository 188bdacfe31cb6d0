import { ApiProperty } from '@nestjs/swagger';
import {
  ApiBigIdProperty,
  ApiIdProperty,
  ApiTimestampProperty,
} from '../../common/http/api-schema.decorator';

/** How far a participant has read: a read receipt. */
export class ReadMarkerResponseDto {
  @ApiIdProperty({ example: 2 })
  userId!: number;

  @ApiBigIdProperty({ example: 41, description: 'The last message they have read' })
  messageId!: number;

  @ApiProperty({ type: 'integer', minimum: 1, example: 41, description: "That message's seq" })
  seq!: number;

  @ApiTimestampProperty({
    nullable: true,
    description: 'When the marker last moved (null when it moved before read times were kept)',
  })
  readAt!: string | null;
}
