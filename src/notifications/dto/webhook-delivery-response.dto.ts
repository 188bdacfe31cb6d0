import { ApiProperty } from '@nestjs/swagger';
import {
  ApiBigIdProperty,
  ApiIdProperty,
  ApiTimestampProperty,
} from '../../common/http/api-schema.decorator';
import { WEBHOOK_EVENT_TYPES } from '../webhook-events';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export class WebhookDeliveryResponseDto {
  @ApiBigIdProperty({ example: 42 })
  id!: number;

  @ApiIdProperty({ example: 1 })
  webhookId!: number;

  @ApiProperty({
    format: 'uuid',
    example: '5f0a8a9e-4d7e-4c61-9d1d-2b8f3f7c1e11',
    description: 'The webhook-id header of every attempt',
  })
  eventId!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, example: 'message.created' })
  eventType!: string;

  @ApiProperty({
    enum: DELIVERY_STATUSES,
    example: 'succeeded',
    description: 'pending: an attempt is due; failed: given up on (replay starts over)',
  })
  status!: string;

  @ApiProperty({ type: 'integer', example: 1 })
  attempts!: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 200,
    description: "The last answer's HTTP status; null when none came",
  })
  lastStatusCode!: number | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'What went wrong last' })
  lastError!: string | null;

  @ApiTimestampProperty({ nullable: true })
  lastAttemptAt!: string | null;

  @ApiTimestampProperty({ nullable: true, description: 'When the next attempt is due' })
  nextAttemptAt!: string | null;

  @ApiTimestampProperty({ nullable: true })
  deliveredAt!: string | null;

  @ApiTimestampProperty()
  createdAt!: string;
}
