import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser } from '../common/auth/auth-user';
import { CurrentUser } from '../common/auth/current-user.decorator';
import { ApiErrors } from '../common/http/api-errors.decorator';
import {
  CreatePushSubscriptionDto,
  DeletePushSubscriptionDto,
} from './dto/create-push-subscription.dto';
import {
  PushSubscriptionResponseDto,
  VapidPublicKeyDto,
} from './dto/push-subscription-response.dto';
import { PushSubscriptionsService } from './push-subscriptions.service';

@ApiTags('push')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('me/push-subscriptions')
export class PushSubscriptionsController {
  constructor(private readonly subscriptions: PushSubscriptionsService) {}

  @Get('vapid-public-key')
  @ApiOperation({
    operationId: 'getVapidPublicKey',
    summary: "The server's VAPID public key, to subscribe a browser with",
    description: '404 `PUSH_DISABLED` when the server has no VAPID keys.',
  })
  @ApiOkResponse({ type: VapidPublicKeyDto })
  @ApiErrors(404)
  publicKey(): VapidPublicKeyDto {
    return { publicKey: this.subscriptions.publicKey() };
  }

  @Post()
  @ApiOperation({
    operationId: 'subscribePush',
    summary: 'Subscribe this browser or device to Web Push',
    description:
      "Send the browser's PushSubscription as JSON. While none of my sockets is connected, a new " +
      'message I have not read gets pushed after a short delay, unless I muted the chat (a mention ' +
      'still pushes) or block the sender. Subscribing an endpoint again updates it (and moves it to ' +
      'me). At most 20 per user (409 `PUSH_SUBSCRIPTION_LIMIT`); an endpoint on an internal address ' +
      'is 400 `PUSH_ENDPOINT_FORBIDDEN`; push off is 404 `PUSH_DISABLED`.',
  })
  @ApiCreatedResponse({ type: PushSubscriptionResponseDto })
  @ApiErrors(400, 404, 409)
  subscribe(
    @CurrentUser() user: AuthUser,
    @Body() body: CreatePushSubscriptionDto,
  ): Promise<PushSubscriptionResponseDto> {
    return this.subscriptions.subscribe(user.id, body);
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'unsubscribePush',
    summary: 'Stop pushing to this browser or device',
    description:
      'Idempotent: an endpoint that is not mine (or no longer subscribed) changes nothing.',
  })
  @ApiNoContentResponse({ description: 'Unsubscribed' })
  @ApiErrors(400)
  async unsubscribe(
    @CurrentUser() user: AuthUser,
    @Body() body: DeletePushSubscriptionDto,
  ): Promise<void> {
    await this.subscriptions.unsubscribe(user.id, body.endpoint);
  }
}
