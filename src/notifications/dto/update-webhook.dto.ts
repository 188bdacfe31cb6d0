import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsString,
  MaxLength,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { WEBHOOK_EVENT_CHOICES } from './create-webhook.dto';

export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048, example: 'https://app.example.com/hooks/chat' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', enum: WEBHOOK_EVENT_CHOICES },
    minItems: 1,
    maxItems: 50,
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_CHOICES, { each: true })
  events?: string[];

  @ApiPropertyOptional({
    example: true,
    description:
      'true enables a disabled endpoint again (its failure count starts over); false stops new deliveries to it',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}
