import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/optional';
import { DISPLAY_NAME_SCHEMA, IsDisplayName } from '../../users/dto/display-name.validator';
import { IsUsername, USERNAME_SCHEMA } from '../../users/dto/username.validator';

export class RegisterDto {
  @ApiProperty({ ...USERNAME_SCHEMA, example: 'shivam' })
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
