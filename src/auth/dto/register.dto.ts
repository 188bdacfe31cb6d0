import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { DISPLAY_NAME_SCHEMA, IsDisplayName } from '../../users/dto/display-name.validator';
import { IsUsername, USERNAME_SCHEMA } from '../../users/dto/username.validator';

export class RegisterDto {
  @ApiProperty({
    ...USERNAME_SCHEMA,
    description:
      'Unique case-insensitively; a username that reads like a taken one (0 and o, 1, l and I, ' +
      'rn and m, vv and w) is taken too (409 USERNAME_TAKEN)',
    example: 'shivam',
  })
  @IsUsername()
  username!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, example: 'correct horse battery staple' })
  @IsString()
  @Length(8, 128)
  password!: string;

  @ApiPropertyOptional({
    ...DISPLAY_NAME_SCHEMA,
    description: `${DISPLAY_NAME_SCHEMA.description}. Defaults to the username`,
    example: 'Shivam',
  })
  @IsOptionalNotNull()
  @IsDisplayName()
  displayName?: string;
}
