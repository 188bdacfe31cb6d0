import { ApiProperty } from '@nestjs/swagger';
import { IsDisplayName } from './display-name.validator';

export class UpdateProfileDto {
  @ApiProperty({ minLength: 1, maxLength: 64, example: 'Shivam K.' })
  @IsDisplayName()
  displayName!: string;
}
