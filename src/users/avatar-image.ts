import sharp, { FormatEnum, JpegOptions, PngOptions, SharpOptions, WebpOptions } from 'sharp';
import { TurnsByKey } from '../common/concurrency/turns-by-key';
import { AvatarContentType, MAX_AVATAR_BYTES, sniffAvatarType } from './avatar-image-type';
import { UsersError, UsersErrorCode } from './users.errors';

/** Uploads may have up to 4096 × 4096 pixels in any shape: 16.7 MP, 64 MiB of RGBA once decoded. */
export const MAX_AVATAR_INPUT_SIDE = 4096;
export const MAX_AVATAR_PIXELS = MAX_AVATAR_INPUT_SIDE * MAX_AVATAR_INPUT_SIDE;

/** The longest side of a stored avatar: larger images are shrunk to fit, smaller ones kept as they are. */
export const AVATAR_SIDE = 512;

/**
 * How many uploads this process decodes at once. A decode holds up to 64 MiB and one of libuv's
 * four threads (which password hashing needs too); the rest wait their turn.
 */
const DECODES_AT_ONCE = 2;

export interface AvatarImage {
  contentType: AvatarContentType;
  data: Buffer;
}

const FORMAT: Record<AvatarContentType, keyof FormatEnum> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
};

/**
 * 'error' refuses truncated and corrupt pixel data but not the harmless warnings some cameras'
 * JPEGs raise; the first frame of an animation is all that is read (sharp's default).
 */
const DECODE: SharpOptions = {
  failOn: 'error',
  limitInputPixels: MAX_AVATAR_PIXELS,
  autoOrient: true,
};

const ENCODE: Record<AvatarContentType, PngOptions | JpegOptions | WebpOptions> = {
  'image/png': { compressionLevel: 9 },
  'image/jpeg': { quality: 85 },
  'image/webp': { quality: 85 },
};

/** Process-wide, like the memory and threads it protects: one key for every upload. */
const decodes = new TurnsByKey(DECODES_AT_ONCE);

/**
 * Turns uploaded bytes into the avatar to store: the image decoded completely, turned upright by its
 * EXIF orientation, shrunk to fit AVATAR_SIDE, and encoded afresh in its own format. Nothing of the
 * file but its pixels survives: EXIF (GPS included), XMP, ICC profiles, text and private chunks are
 * dropped (sharp writes none unless asked to).
 */
export async function toAvatarImage(upload: Buffer): Promise<AvatarImage> {
  const contentType = avatarTypeOf(upload);
  return decodes.run('avatar', () => reencode(upload, contentType));
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

async function reencode(upload: Buffer, contentType: AvatarContentType): Promise<AvatarImage> {
  const format = FORMAT[contentType];
  // The header alone, without the pixel limit, so too many pixels get their own answer.
  const header = await decoded(sharp(upload, { limitInputPixels: false }).metadata());
  if (header.format !== format) throw invalidImage();
  assertAvatarPixels(header.width, header.height);
  const data = await decoded(
    sharp(upload, DECODE)
      .resize({ width: AVATAR_SIDE, height: AVATAR_SIDE, fit: 'inside', withoutEnlargement: true })
      .toFormat(format, ENCODE[contentType])
      .toBuffer(),
  );
  return { contentType, data };
}

/** Whatever sharp refuses of an upload is the upload's fault, never a 500. */
async function decoded<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch {
    throw invalidImage();
  }
}

function invalidImage(): UsersError {
  return new UsersError(
    UsersErrorCode.AVATAR_INVALID_IMAGE,
    'The avatar must be a PNG, JPEG or WebP image that decodes completely',
  );
}
