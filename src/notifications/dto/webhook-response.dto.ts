import { ApiProperty } from '@nestjs/swagger';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';
import { WEBHOOK_EVENT_CHOICES } from './create-webhook.dto';

export class WebhookResponseDto {
  @ApiIdProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'https://app.example.com/hooks/chat' })
  url!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: WEBHOOK_EVENT_CHOICES },
    example: ['message.created'],
  })
  events!: string[];

  @ApiProperty({ example: true, description: 'Whether new events are delivered to it' })
  enabled!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why it was disabled: a 410 answer, failures in a row, or the operator',
  })
  disabledReason!: string | null;

  @ApiProperty({
    type: 'integer',
    example: 0,
    description: 'Deliveries given up on since the last success',
  })
  consecutiveFailures!: number;

  @ApiTimestampProperty()
  createdAt!: string;
}

/** The endpoint as registered, with its secret: the only answer that shows it. */
export class CreatedWebhookResponseDto extends WebhookResponseDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Verifies the webhook-signature of every delivery; shown only now',
  })
  secret!: string;
}
