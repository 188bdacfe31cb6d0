import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';

export class ChangeRoleDto {
  @ApiProperty({ enum: ['admin', 'member'], example: 'admin' })
  @IsIn(['admin', 'member'])
  role!: 'admin' | 'member';
}
