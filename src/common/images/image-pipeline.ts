import type { FormatEnum, Metadata, Sharp, SharpOptions } from 'sharp';
import { TurnsByKey } from '../concurrency/turns-by-key';
import { RasterType } from './raster-type';

/**
 * The one way uploaded pictures become stored ones, for avatars and attachments alike: decoded
 * completely, turned upright by their EXIF orientation, shrunk to fit, and encoded afresh. Nothing
 * of the file but its pixels survives: EXIF (GPS included), XMP, ICC profiles, text and private
 * chunks are dropped (sharp writes none unless asked to), and with them whatever a polyglot hid
 * after or between the image's own bytes.
 */

export interface ImageRules {
  /** Refused above this many pixels (every frame of an animation counted), judged from the header. */
  maxPixels: number;
  /** The longest side of the stored image: larger ones are shrunk to fit, smaller ones kept. */
  maxSide: number;
  /** GIF animations kept as such; otherwise only the first frame is read (sharp's default). */
  animated: boolean;
  /** The longest side of a WebP thumbnail to make as well; null makes none. */
  thumbnailSide: number | null;
}

export interface EncodedImage {
  contentType: RasterType;
  data: Buffer;
  width: number;
  height: number;
}

export interface PreparedImage extends EncodedImage {
  thumbnail: EncodedImage | null;
}

/** Why an image was refused: too many pixels (a decompression bomb, say), or it does not decode. */
export class ImageRefusedError extends Error {
  constructor(
    readonly reason: 'too-many-pixels' | 'invalid',
    readonly width = 0,
    readonly height = 0,
  ) {
    super(
      reason === 'invalid'
        ? 'The image does not decode'
        : `${width} × ${height} is too many pixels`,
    );
  }
}

const FORMAT: Record<RasterType, keyof FormatEnum> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

const ENCODE: Record<RasterType, object> = {
  'image/png': { compressionLevel: 9 },
  'image/jpeg': { quality: 85 },
  'image/webp': { quality: 85 },
  'image/gif': {},
};

/**
 * How many images this process decodes at once. A decode holds up to maxPixels × 4 bytes and one
 * of libuv's four threads (which password hashing needs too); the rest wait their turn.
 */
const DECODES_AT_ONCE = 2;

/** Process-wide, like the memory and threads it protects: one key for every image. */
const decodes = new TurnsByKey(DECODES_AT_ONCE);

/**
 * The image to store for uploaded bytes already recognised as `type` (see sniffRasterType), and
 * its thumbnail. Throws ImageRefusedError: too many pixels before a single one is decoded, or
 * bytes that do not decode completely (truncated, corrupt, or not really of that type).
 */
export function prepareImage(
  upload: Buffer,
  type: RasterType,
  rules: ImageRules,
): Promise<PreparedImage> {
  return decodes.run('image', () => prepare(upload, type, rules));
}

/** sharp (libvips, some 20 MB resident) is loaded with the first image, not at start. */
let sharpModule: typeof import('sharp') | undefined;

function loadSharp(): typeof import('sharp') {
  // A require, not import(): jest runs import() only behind an experimental flag.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sharpModule ??= require('sharp') as typeof import('sharp');
  return sharpModule;
}

async function prepare(
  upload: Buffer,
  type: RasterType,
  rules: ImageRules,
): Promise<PreparedImage> {
  const sharp = loadSharp();
  const animated = rules.animated && type === 'image/gif';
  // The header alone, without the pixel limit, so too many pixels get their own answer.
  const header = await decoded(sharp(upload, { limitInputPixels: false, animated }).metadata());
  if (header.format !== FORMAT[type]) throw new ImageRefusedError('invalid');
  const { width, height } = header;
  const pixels = width * height;
  if (pixels > rules.maxPixels)
    throw new ImageRefusedError('too-many-pixels', width, frameHeight(header));

  const options: SharpOptions = {
    failOn: 'error',
    limitInputPixels: rules.maxPixels,
    autoOrient: true,
    animated,
  };
  const image = await encode(sharp(upload, options).resize(fitInside(rules.maxSide)), type);
  const thumbnail =
    rules.thumbnailSide === null
      ? null
      : await encode(
          // The stored image, already upright and small: the thumbnail costs a second small decode.
          sharp(image.data, { limitInputPixels: rules.maxPixels }).resize(
            fitInside(rules.thumbnailSide),
          ),
          'image/webp',
        );
  return { ...image, thumbnail };
}

async function encode(pipeline: Sharp, type: RasterType): Promise<EncodedImage> {
  const { data, info } = await decoded(
    pipeline.toFormat(FORMAT[type], ENCODE[type]).toBuffer({ resolveWithObject: true }),
  );
  return { contentType: type, data, width: info.width, height: info.pageHeight ?? info.height };
}

function fitInside(side: number) {
  return { width: side, height: side, fit: 'inside' as const, withoutEnlargement: true };
}

/** The height of one frame: an animation's metadata stacks its frames. */
function frameHeight(header: Metadata): number {
  return header.pageHeight ?? header.height;
}

/** Whatever sharp refuses of an upload is the upload's fault, never a 500. */
async function decoded<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch {
    throw new ImageRefusedError('invalid');
  }
}
