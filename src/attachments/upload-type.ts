import { ascii, RASTER_TYPES, RasterType, sniffRasterType } from '../common/images/raster-type';

/**
 * What an upload is, decided from its bytes alone. Each recognised format has the type it is stored
 * and served as, the declared types (multipart part header) and file-name extensions that agree
 * with it; a declared type or extension that names another known format is a mismatch.
 */
interface UploadFormat {
  type: string;
  declared: string[];
  extensions: string[];
}

const FORMATS: UploadFormat[] = [
  { type: 'image/png', declared: ['image/png', 'image/apng'], extensions: ['png', 'apng'] },
  {
    type: 'image/jpeg',
    declared: ['image/jpeg', 'image/jpg', 'image/pjpeg'],
    extensions: ['jpg', 'jpeg', 'jpe', 'jfif'],
  },
  { type: 'image/webp', declared: ['image/webp'], extensions: ['webp'] },
  { type: 'image/gif', declared: ['image/gif'], extensions: ['gif'] },
  { type: 'application/pdf', declared: ['application/pdf'], extensions: ['pdf'] },
  { type: 'text/plain', declared: ['text/plain'], extensions: ['txt', 'text', 'log'] },
  { type: 'audio/mpeg', declared: ['audio/mpeg', 'audio/mp3', 'audio/mpeg3'], extensions: ['mp3'] },
  {
    type: 'audio/ogg',
    declared: ['audio/ogg', 'audio/opus', 'application/ogg'],
    extensions: ['ogg', 'oga', 'opus'],
  },
  {
    type: 'audio/wav',
    declared: ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
    extensions: ['wav'],
  },
  { type: 'audio/flac', declared: ['audio/flac', 'audio/x-flac'], extensions: ['flac'] },
  { type: 'audio/aac', declared: ['audio/aac', 'audio/x-aac'], extensions: ['aac'] },
  {
    type: 'audio/mp4',
    declared: ['audio/mp4', 'audio/x-m4a', 'audio/m4a'],
    extensions: ['m4a', 'm4b'],
  },
  { type: 'video/mp4', declared: ['video/mp4', 'application/mp4'], extensions: ['mp4', 'm4v'] },
  { type: 'video/quicktime', declared: ['video/quicktime'], extensions: ['mov', 'qt'] },
  { type: 'video/webm', declared: ['video/webm', 'audio/webm'], extensions: ['webm', 'weba'] },
  { type: 'video/ogg', declared: ['video/ogg'], extensions: ['ogv'] },
];

/** Never allowed, whatever the configuration: a browser would run them if it were tricked into it. */
const ACTIVE_CONTENT: UploadFormat = {
  type: 'text/html',
  declared: [
    'text/html',
    'application/xhtml+xml',
    'image/svg+xml',
    'text/xml',
    'application/xml',
    'text/javascript',
    'application/javascript',
    'application/x-msdownload',
  ],
  extensions: [
    'html',
    'htm',
    'xhtml',
    'shtml',
    'svg',
    'svgz',
    'xml',
    'js',
    'mjs',
    'exe',
    'bat',
    'cmd',
  ],
};

/** Every type the bytes can show; UPLOAD_TYPES chooses among them. */
export const UPLOAD_TYPES = FORMATS.map((format) => format.type);

/** The default allow list: all of them. */
export const DEFAULT_UPLOAD_TYPES = UPLOAD_TYPES;

export function isRasterType(type: string): type is RasterType {
  return (RASTER_TYPES as readonly string[]).includes(type);
}

/** How many leading bytes sniffUploadType wants (fewer when the file is shorter). */
export const SNIFF_BYTES = 4096;

/**
 * The type of a file from its first SNIFF_BYTES bytes, or null when it is none we know. Plain text
 * is told only from those bytes here; the rest is checked as it streams (see PlainTextCheck).
 */
export function sniffUploadType(head: Buffer): string | null {
  return (
    sniffRasterType(head) ??
    sniffDocument(head) ??
    sniffContainer(head) ??
    sniffMpegAudio(head) ??
    (looksLikePlainText(head) ? 'text/plain' : null)
  );
}

/**
 * Null when the name and declared type agree with the sniffed type (or say nothing known), else
 * what disagrees. Unknown extensions and declared types (text/csv, application/octet-stream) are
 * no mismatch: the bytes decide.
 */
export function typeMismatch(
  sniffed: string,
  fileName: string,
  declaredType: string | undefined,
): string | null {
  const format = FORMATS.find((candidate) => candidate.type === sniffed);
  if (!format) return null;
  const known = [...FORMATS, ACTIVE_CONTENT];
  const extension = /\.([a-z0-9]{1,8})$/i.exec(fileName)?.[1]?.toLowerCase();
  if (extension && !format.extensions.includes(extension)) {
    if (known.some((other) => other.extensions.includes(extension))) {
      return `the name ends in .${extension}`;
    }
  }
  const declared = declaredType?.split(';')[0].trim().toLowerCase();
  if (declared && !format.declared.includes(declared)) {
    if (known.some((other) => other.declared.includes(declared))) {
      return `it was sent as ${declared}`;
    }
  }
  return null;
}

function sniffDocument(head: Buffer): string | null {
  return ascii(head, 0, 5) === '%PDF-' ? 'application/pdf' : null;
}

/** The formats that open with a container signature: ISO media, Matroska/WebM, Ogg, RIFF, FLAC. */
function sniffContainer(head: Buffer): string | null {
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand === 'M4A ' || brand === 'M4B ') return 'audio/mp4';
    if (brand === 'qt  ') return 'video/quicktime';
    return ISO_VIDEO_BRANDS.has(brand) ? 'video/mp4' : null;
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) {
    // EBML: only the WebM flavour of Matroska is taken.
    return head.includes('webm', 4, 'latin1') ? 'video/webm' : null;
  }
  if (ascii(head, 0, 4) === 'OggS') {
    return head.includes('\x80theora', 0, 'latin1') ? 'video/ogg' : 'audio/ogg';
  }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return 'audio/wav';
  if (ascii(head, 0, 4) === 'fLaC') return 'audio/flac';
  return null;
}

const ISO_VIDEO_BRANDS = new Set([
  'isom',
  'iso2',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'avc1',
  'dash',
  'MSNV',
  'M4V ',
  'M4VH',
  'M4VP',
  'f4v ',
]);

/** MP3 (an ID3 tag or an MPEG audio layer III frame) and AAC in ADTS frames. */
function sniffMpegAudio(head: Buffer): string | null {
  if (ascii(head, 0, 3) === 'ID3') return 'audio/mpeg';
  if (head.length < 2 || head[0] !== 0xff) return null;
  if ((head[1] & 0xf6) === 0xf0) return 'audio/aac';
  if ((head[1] & 0xe0) === 0xe0 && (head[1] & 0x06) === 0x02) return 'audio/mpeg';
  return null;
}

/**
 * UTF-8 (a multi-byte character cut by the end of the head is fine) with no control characters
 * but tab, line feed, form feed and carriage return, that does not open like markup a browser
 * would render (HTML, SVG, XML).
 */
function looksLikePlainText(head: Buffer): boolean {
  if (head.length === 0) return false;
  const check = new PlainTextCheck();
  if (!check.accepts(head)) return false;
  const opening = head.toString('utf8', 0, Math.min(head.length, 256)).replace(/^\ufeff?\s*/, '');
  return !MARKUP.test(opening);
}

const MARKUP =
  /^<(?:!doctype|html|head|body|script|iframe|svg|\?xml|!--|meta|link|style|object|embed)\b/i;

/**
 * Checks a text file chunk by chunk as it streams: every chunk must continue valid UTF-8 without
 * control characters. Call `end` once the last chunk is in.
 */
export class PlainTextCheck {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  accepts(chunk: Buffer): boolean {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      return false;
    }
    return !CONTROL.test(text);
  }

  /** False when the file ends inside a multi-byte character. */
  end(): boolean {
    try {
      this.decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;
