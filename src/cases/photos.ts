/**
 * Photo checks by content, not by the declared type: the magic bytes of JPEG, PNG and WebP.
 * Stored copies carry no metadata: EXIF (camera, time, GPS position of the reporter's
 * phone), XMP, IPTC and text chunks are cut out at upload, so every copy served is clean.
 * HEIC is refused: its metadata sits behind item offsets that cannot be cut without
 * re-encoding.
 */

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

export function detectImage(bytes: Uint8Array): ImageMime | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** The image without its metadata. Parts after a structural break are kept as they are: no viewer reads metadata there. */
export function stripMetadata(bytes: Buffer, mime: ImageMime): Buffer {
  if (mime === 'image/jpeg') return stripJpeg(bytes);
  if (mime === 'image/png') return stripPng(bytes);
  return stripWebp(bytes);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** APP1 (EXIF, XMP), APP12 (Ducky), APP13 (IPTC, Photoshop) and comments; APP0 (JFIF), APP2 (ICC) and APP14 (Adobe colour) stay. */
const JPEG_DROPPED = new Set([0xe1, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xef, 0xfe]);

function stripJpeg(bytes: Buffer): Buffer {
  const parts: Buffer[] = [bytes.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xff) { at++; continue; }
    // Start of scan: the entropy-coded image follows; nothing after it is a header segment.
    if (marker === 0xda || marker === 0xd9) break;
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) break;
    if (!JPEG_DROPPED.has(marker)) parts.push(bytes.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  parts.push(bytes.subarray(at));
  return Buffer.concat(parts);
}

const PNG_DROPPED = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function stripPng(bytes: Buffer): Buffer {
  const parts: Buffer[] = [bytes.subarray(0, 8)];
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > bytes.length) break;
    if (!PNG_DROPPED.has(ascii(bytes, at + 4, at + 8))) parts.push(bytes.subarray(at, end));
    at = end;
  }
  parts.push(bytes.subarray(at));
  return Buffer.concat(parts);
}

const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function stripWebp(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 12;
  while (at + 8 <= bytes.length) {
    const fourcc = ascii(bytes, at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    const end = at + 8 + size + (size % 2);
    if (end > bytes.length) break;
    if (fourcc === 'VP8X' && size >= 1) {
      const chunk = Buffer.from(bytes.subarray(at, end));
      chunk[8] &= ~(VP8X_EXIF | VP8X_XMP);
      parts.push(chunk);
    } else if (fourcc !== 'EXIF' && fourcc !== 'XMP ') {
      parts.push(bytes.subarray(at, end));
    }
    at = end;
  }
  parts.push(bytes.subarray(at));
  const body = Buffer.concat(parts);
  const header = Buffer.from(bytes.subarray(0, 12));
  header.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([header, body]);
}
