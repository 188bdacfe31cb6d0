import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { createECDH } from 'node:crypto';
import {
  IsNotEmptyObject,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';

/** Only the curve matters: an agreement with it fails for anything but a point of P-256. */
const probe = createECDH('prime256v1');
probe.generateKeys();

/** A point of the P-256 curve (uncompressed, base64url), as browsers give p256dh: else encrypting fails. */
function IsP256PublicKey(): PropertyDecorator {
  return ValidateBy({
    name: 'isP256PublicKey',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{86,88}={0,2}$/.test(value)) return false;
        try {
          probe.computeSecret(Buffer.from(value, 'base64url'));
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: (args) => `${args?.property} must be a P-256 public key in URL-safe base64`,
    },
  });
}

export class PushSubscriptionKeysDto {
  @ApiProperty({
    description: "The subscription's P-256 public key, URL-safe base64 (65 bytes)",
    example:
      'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
  })
  @IsString()
  @IsP256PublicKey()
  p256dh!: string;

  @ApiProperty({
    description: "The subscription's auth secret, URL-safe base64 (16 bytes)",
    example: 'tBHItJI5svbpez7KI4CCXg',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{22}(==)?$/, { message: 'auth must be 16 bytes in URL-safe base64' })
  auth!: string;
}

/** A browser's PushSubscription as `JSON.stringify(subscription)` gives it. */
export class CreatePushSubscriptionDto {
  @ApiProperty({
    maxLength: 2048,
    example: 'https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bH...',
    description: "The push service's URL for this device",
  })
  @IsString()
  @MaxLength(2048)
  endpoint!: string;

  @ApiProperty({ type: PushSubscriptionKeysDto })
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => PushSubscriptionKeysDto)
  keys!: PushSubscriptionKeysDto;
}

export class DeletePushSubscriptionDto {
  @ApiProperty({
    maxLength: 2048,
    example: 'https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bH...',
  })
  @IsString()
  @MaxLength(2048)
  endpoint!: string;
}
