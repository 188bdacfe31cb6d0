import { MeResponseDto } from './dto/me-response.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { User } from './entities/user.entity';

/** The public profile; `displayPictureUrl` is the signed link to the avatar (see AvatarLinks). */
export function toUserResponse(user: User, displayPictureUrl: string | null): UserResponseDto {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    displayPictureUrl,
    joinedAt: user.joinedAt.toISOString(),
    deleted: user.deletedAt !== null,
  };
}

export function toMeResponse(user: User, displayPictureUrl: string | null): MeResponseDto {
  return {
    ...toUserResponse(user, displayPictureUrl),
    allowFriendRequests: user.allowFriendRequests,
    shareReadReceipts: user.shareReadReceipts,
  };
}
