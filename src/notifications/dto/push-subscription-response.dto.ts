import { ApiProperty } from '@nestjs/swagger';
import { ApiIdProperty, ApiTimestampProperty } from '../../common/http/api-schema.decorator';

export class PushSubscriptionResponseDto {
  @ApiIdProperty({ example: 3 })
  id!: number;

  @ApiProperty({ example: 'https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bH...' })
  endpoint!: string;

  @ApiTimestampProperty()
  createdAt!: string;
}

export class VapidPublicKeyDto {
  @ApiProperty({
    description: 'Pass as applicationServerKey to PushManager.subscribe()',
    example:
      'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U',
  })
  publicKey!: string;
}
