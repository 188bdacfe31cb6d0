import { RasterType, sniffRasterType } from '../common/images/raster-type';

export const AVATAR_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type AvatarContentType = (typeof AVATAR_CONTENT_TYPES)[number];

export const MAX_AVATAR_BYTES = 1024 * 1024;

/** Recognises an avatar's type from its leading bytes: a PNG, JPEG or WebP picture. */
export function sniffAvatarType(bytes: Buffer): AvatarContentType | null {
  const type: RasterType | null = sniffRasterType(bytes);
  return type !== null && (AVATAR_CONTENT_TYPES as readonly string[]).includes(type)
    ? (type as AvatarContentType)
    : null;
}
