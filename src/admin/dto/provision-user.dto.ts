import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { DISPLAY_NAME_SCHEMA, IsDisplayName } from '../../users/dto/display-name.validator';
import { IsUsername, USERNAME_SCHEMA } from '../../users/dto/username.validator';

export class ProvisionUserDto {
  @ApiProperty({
    ...USERNAME_SCHEMA,
    description:
      'Validated and unique like a registered username (409 USERNAME_TAKEN); may change on a later call',
    example: 'shivam',
  })
  @IsUsername()
  username!: string;

  @ApiPropertyOptional({
    ...DISPLAY_NAME_SCHEMA,
    description: `${DISPLAY_NAME_SCHEMA.description}. Left out: the username for a new user, unchanged for an existing one`,
    example: 'Shivam',
  })
  @IsOptionalNotNull()
  @IsDisplayName()
  displayName?: string;
}
