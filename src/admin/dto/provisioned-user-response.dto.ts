import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from '../../users/dto/user-response.dto';

export class ProvisionedUserResponseDto extends UserResponseDto {
  @ApiProperty({ example: 'app-user-8d41', description: "The app's own id of this person" })
  externalId!: string;
}
