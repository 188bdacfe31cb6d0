import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export type Rgb = [red: number, green: number, blue: number];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A valid PNG of one colour, written by hand: synchronous, and with nothing in it but what PNG
 * requires (8-bit RGB, one IDAT).
 */
export function solidPng(width: number, height: number, [r, g, b]: Rgb = [40, 120, 200]): Buffer {
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  return encodePng(width, height, { bitDepth: 8, colourType: 2 }, row);
}

/**
 * A decompression bomb: a few tens of KB of real, decodable PNG that is width × height pixels of
 * black (1-bit greyscale, all-zero rows deflate to almost nothing). sharp would take seconds to
 * encode one this size; zlib does it at once.
 */
export function pngBomb(width: number, height: number): Buffer {
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  return encodePng(width, height, { bitDepth: 1, colourType: 0 }, row);
}

/** The PNG made exactly `size` bytes long by a private ancillary chunk that decoders skip. */
export function paddedPng(png: Buffer, size: number): Buffer {
  const iend = png.length - 12;
  const padding = chunk('prVt', Buffer.alloc(size - png.length - 12, 0x2a));
  return Buffer.concat([png.subarray(0, iend), padding, png.subarray(iend)]);
}

function encodePng(
  width: number,
  height: number,
  format: { bitDepth: number; colourType: number },
  row: Buffer,
): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = format.bitDepth;
  header[9] = format.colourType;
  const pixels = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(pixels, y * row.length);
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

/** An image of one colour in the given format, encoded by sharp. */
export function solidImage(
  format: ImageFormat,
  width = 32,
  height = 32,
  [r, g, b]: Rgb = [40, 120, 200],
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .toFormat(format)
    .toBuffer();
}

/** An image of random pixels in the given format: it compresses badly, so its data runs long. */
export function noisyImage(format: ImageFormat, width: number, height: number): Promise<Buffer> {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 60 };
  return sharp({ create: { width, height, channels: 3, background: '#000', noise } })
    .toFormat(format)
    .toBuffer();
}

/** The text a test looks for to show the EXIF of `jpegWithLocation` did not survive. */
export const EXIF_DESCRIPTION = 'Taken at home, 12 Example Street';

/** A JPEG whose EXIF says where it was taken (a GPS IFD with latitude and longitude). */
export function jpegWithLocation(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#c08040' } })
    .withExif({
      IFD0: { ImageDescription: EXIF_DESCRIPTION, Make: 'Example Phone' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2964/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 4032/100',
      },
    })
    .jpeg()
    .toBuffer();
}

/** Whether the bytes hold a TIFF entry pointing at a GPS IFD (tag 0x8825), in either byte order. */
export function hasGpsIfd(bytes: Buffer): boolean {
  const littleEndian = Buffer.from([0x25, 0x88, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00]);
  const bigEndian = Buffer.from([0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]);
  return bytes.includes(littleEndian) || bytes.includes(bigEndian);
}

/** Whether the bytes hold an EXIF block at all (the `Exif\0\0` header of JPEG APP1 and WebP EXIF). */
export function hasExif(bytes: Buffer): boolean {
  return bytes.includes(Buffer.from('Exif\0\0', 'latin1'));
}

/**
 * A JPEG stored sideways: width × height pixels, the left half `left` and the right half `right`,
 * with EXIF orientation 6 (turn 90° clockwise to show). Shown upright it is height wide and width
 * tall, with `left` on top.
 */
export async function sidewaysJpeg(width: number, height: number, left: Rgb, right: Rgb) {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(x < width / 2 ? left : right, (y * width + x) * 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** An animated WebP, one frame per colour. */
export async function animatedWebp(width: number, height: number, colours: Rgb[]) {
  const frames = colours.map((colour) => solidPng(width, height, colour));
  return sharp(frames, { join: { animated: true } })
    .webp({ loop: 0, delay: colours.map(() => 100) })
    .toBuffer();
}

/** The colour of one pixel, rounded to what lossy codecs keep: each channel 0-255. */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(image)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at], data[at + 1], data[at + 2]];
}

/** The largest difference between two colours in any channel. */
export function colourDistance(a: Rgb, b: Rgb): number {
  return Math.max(...a.map((channel, i) => Math.abs(channel - b[i])));
}

/** A multipart form with the bytes as a file part (field `file` unless told). */
export function fileForm(
  bytes: Buffer,
  filename = 'avatar.png',
  field = 'file',
  type?: string,
): FormData {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)], type ? { type } : {}), filename);
  return form;
}
