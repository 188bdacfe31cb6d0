import { MeResponseDto } from './dto/me-response.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { User } from './entities/user.entity';

export function toUserResponse(user: User): UserResponseDto {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    displayPictureUrl: user.avatarEtag
      ? `/api/v1/users/${user.id}/avatar?v=${user.avatarEtag.slice(0, 16)}`
      : null,
    joinedAt: user.joinedAt.toISOString(),
  };
}

export function toMeResponse(user: User): MeResponseDto {
  return { ...toUserResponse(user), allowFriendRequests: user.allowFriendRequests };
}
