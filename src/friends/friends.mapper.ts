import { UserResponseDto } from '../users/dto/user-response.dto';
import { FriendRequestResponseDto } from './dto/friend-request-response.dto';
import { FriendRequest } from './entities/friend-request.entity';

export type Profiles = Map<number, UserResponseDto>;

export function toFriendRequestResponse(
  request: FriendRequest,
  profiles: Profiles,
): FriendRequestResponseDto {
  return {
    id: request.id,
    fromUserId: request.fromUserId,
    toUserId: request.toUserId,
    message: request.message,
    status: request.status,
    sentAt: request.sentAt.toISOString(),
    respondedAt: request.respondedAt?.toISOString() ?? null,
    fromUser: profiles.get(request.fromUserId)!,
    toUser: profiles.get(request.toUserId)!,
  };
}
