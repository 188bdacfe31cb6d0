import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { WEBHOOK_EVENT_TYPES } from '../webhook-events';
import { WEBHOOK_SECRET_PATTERN } from '../webhook-signature';

export const WEBHOOK_EVENT_CHOICES = ['*', ...WEBHOOK_EVENT_TYPES];

export class CreateWebhookDto {
  @ApiProperty({
    maxLength: 2048,
    example: 'https://app.example.com/hooks/chat',
    description:
      'An http(s) URL on a public address (internal addresses only where OUTBOUND_ALLOWED_NETWORKS allows them). Redirects are not followed.',
  })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: WEBHOOK_EVENT_CHOICES },
    minItems: 1,
    maxItems: 50,
    example: ['message.created', 'message.updated'],
    description: 'The event types to receive; `*` for all of them',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_CHOICES, { each: true })
  events!: string[];

  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'The signing secret (Standard Webhooks: `whsec_` and the base64 of 24 to 64 random bytes); generated when left out',
  })
  @IsOptionalNotNull()
  @IsString()
  @Matches(WEBHOOK_SECRET_PATTERN, {
    message: 'secret must be whsec_ followed by the base64 of 24 to 64 bytes',
  })
  secret?: string;
}
