import { ImageRefusedError, prepareImage } from '../common/images/image-pipeline';
import { AvatarContentType, MAX_AVATAR_BYTES, sniffAvatarType } from './avatar-image-type';
import { UsersError, UsersErrorCode } from './users.errors';

/** Uploads may have up to 4096 × 4096 pixels in any shape: 16.7 MP, 64 MiB of RGBA once decoded. */
export const MAX_AVATAR_INPUT_SIDE = 4096;
export const MAX_AVATAR_PIXELS = MAX_AVATAR_INPUT_SIDE * MAX_AVATAR_INPUT_SIDE;

/** The longest side of a stored avatar: larger images are shrunk to fit, smaller ones kept as they are. */
export const AVATAR_SIDE = 512;

export interface AvatarImage {
  contentType: AvatarContentType;
  data: Buffer;
}

/**
 * Turns uploaded bytes into the avatar to store, through the image pipeline attachments use too
 * (prepareImage): decoded completely, upright, shrunk to fit AVATAR_SIDE, encoded afresh in its own
 * format with nothing of the file but its pixels.
 */
export async function toAvatarImage(upload: Buffer): Promise<AvatarImage> {
  const contentType = avatarTypeOf(upload);
  try {
    const image = await prepareImage(upload, contentType, {
      maxPixels: MAX_AVATAR_PIXELS,
      maxSide: AVATAR_SIDE,
      animated: false,
      thumbnailSide: null,
    });
    return { contentType, data: image.data };
  } catch (error) {
    if (!(error instanceof ImageRefusedError)) throw error;
    if (error.reason === 'too-many-pixels') assertAvatarPixels(error.width, error.height);
    throw invalidImage();
  }
}

/** The checks that need no decoding: a file that is there, small enough, of an accepted type. */
export function avatarTypeOf(upload: Buffer): AvatarContentType {
  if (upload.length === 0) {
    throw new UsersError(UsersErrorCode.AVATAR_MISSING, 'The avatar file is empty');
  }
  if (upload.length > MAX_AVATAR_BYTES) {
    throw new UsersError(UsersErrorCode.AVATAR_TOO_LARGE, 'The avatar must be at most 1 MiB');
  }
  const contentType = sniffAvatarType(upload);
  if (!contentType) {
    throw new UsersError(
      UsersErrorCode.AVATAR_UNSUPPORTED_TYPE,
      'The avatar must be a PNG, JPEG or WebP image',
    );
  }
  return contentType;
}

/** Refuses dimensions over MAX_AVATAR_PIXELS, before a single pixel is decoded. */
export function assertAvatarPixels(width: number, height: number): void {
  if (width * height > MAX_AVATAR_PIXELS) {
    throw new UsersError(
      UsersErrorCode.AVATAR_TOO_MANY_PIXELS,
      `The avatar must be at most ${MAX_AVATAR_INPUT_SIDE} × ${MAX_AVATAR_INPUT_SIDE} pixels (${MAX_AVATAR_PIXELS} in all); this one is ${width} × ${height}`,
    );
  }
}

function invalidImage(): UsersError {
  return new UsersError(
    UsersErrorCode.AVATAR_INVALID_IMAGE,
    'The avatar must be a PNG, JPEG or WebP image that decodes completely',
  );
}
