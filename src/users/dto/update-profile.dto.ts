import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { DISPLAY_NAME_SCHEMA, IsDisplayName } from './display-name.validator';

export class UpdateProfileDto {
  @ApiPropertyOptional({
    ...DISPLAY_NAME_SCHEMA,
    example: 'Shivam K.',
  })
  @IsOptionalNotNull()
  @IsDisplayName()
  displayName?: string;

  @ApiPropertyOptional({ description: 'false: nobody can send me friend requests', example: true })
  @IsOptionalNotNull()
  @IsBoolean()
  allowFriendRequests?: boolean;

  @ApiPropertyOptional({
    description:
      'false: my read marker is listed to no one else and `chat:read` about me reaches only my own devices',
    example: true,
  })
  @IsOptionalNotNull()
  @IsBoolean()
  shareReadReceipts?: boolean;
}
