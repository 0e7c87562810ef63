/**
 * Photo uploads: accepted by content (magic bytes), capped in size, and stored without
 * metadata, so the GPS position and camera details of a reporter's phone never reach
 * whoever views the photo.
 */
import { describe, expect, it } from 'vitest';
import { detectImage, stripMetadata } from '../../src/cases/photos.ts';
import { useTestApp } from '../support/app.ts';

const app = await useTestApp();

const GPS = 'GPSLatitude 29.5630N GPSLongitude 106.5516E';
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const jpegSegment = (marker: number, payload: Buffer) => Buffer.concat([Buffer.from([0xff, marker]), u16(payload.length + 2), payload]);

/** A JPEG's header structure with EXIF (APP1), XMP, IPTC (APP13) and a comment around the parts that must stay. */
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8]),
  jpegSegment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
  jpegSegment(0xe1, Buffer.from(`Exif\0\0MM\0*${GPS}`, 'latin1')),
  jpegSegment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Author</x:xmpmeta>', 'latin1')),
  jpegSegment(0xed, Buffer.from('Photoshop 3.0\0IPTC byline', 'latin1')),
  jpegSegment(0xfe, Buffer.from('comment: home address', 'latin1')),
  jpegSegment(0xdb, Buffer.alloc(65, 1)),
  jpegSegment(0xc0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])),
  jpegSegment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
  Buffer.from([0x12, 0x34, 0x56, 0xff, 0xd9]),
]);

function crcless(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
}
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  crcless('IHDR', Buffer.alloc(13, 1)), crcless('eXIf', Buffer.from(`MM\0*${GPS}`, 'latin1')), crcless('tEXt', Buffer.from('Author\0someone', 'latin1')),
  crcless('iTXt', Buffer.from('XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>', 'latin1')), crcless('IDAT', Buffer.alloc(10, 2)), crcless('IEND', Buffer.alloc(0)),
]);

function riffChunk(fourcc: string, data: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  return Buffer.concat([Buffer.from(fourcc, 'latin1'), size, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}
const webpBody = Buffer.concat([
  riffChunk('VP8X', Buffer.from([0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0])), riffChunk('VP8 ', Buffer.alloc(11, 3)),
  riffChunk('EXIF', Buffer.from(`MM\0*${GPS}`, 'latin1')), riffChunk('XMP ', Buffer.from('<x:xmpmeta/>', 'latin1')),
]);
const riffSize = Buffer.alloc(4);
riffSize.writeUInt32LE(webpBody.length + 4);
const WEBP = Buffer.concat([Buffer.from('RIFF', 'latin1'), riffSize, Buffer.from('WEBP', 'latin1'), webpBody]);

async function upload(body: Buffer, contentType: string) {
  return app.server.inject({ method: 'POST', url: '/api/v1/photos', headers: { ...(await app.as('citizen')), 'content-type': contentType }, payload: body });
}

describe('photo uploads', () => {
  for (const [name, image, mime] of [['JPEG', JPEG, 'image/jpeg'], ['PNG', PNG, 'image/png'], ['WebP', WEBP, 'image/webp']] as const) {
    it(`stores a ${name} without EXIF, GPS, XMP or text metadata and serves that copy`, async () => {
      const res = await upload(image, mime);
      expect(res.statusCode, res.body).toBe(201);
      const served = await app.server.inject({ url: `/api/v1/photos/${res.json().hash}`, headers: await app.as('citizen') });
      expect(served.statusCode).toBe(200);
      const bytes = served.rawPayload;
      expect(bytes.length).toBe(res.json().size);
      for (const secret of ['GPSLatitude', 'Exif', 'xmpmeta', 'Author', 'IPTC', 'home address']) expect(bytes.toString('latin1')).not.toContain(secret);
      expect(detectImage(bytes)).toBe(mime);
    });
  }

  it('keeps the image data of a JPEG: the frame, tables and scan are untouched', () => {
    const clean = stripMetadata(JPEG, 'image/jpeg');
    expect(clean.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(clean.includes(Buffer.from('JFIF'))).toBe(true);
    expect(clean.subarray(-5)).toEqual(Buffer.from([0x12, 0x34, 0x56, 0xff, 0xd9]));
    expect(JPEG.length - clean.length).toBeGreaterThan(100);
  });

  it('keeps the WebP container consistent: RIFF size and VP8X flags without EXIF and XMP', () => {
    const clean = stripMetadata(WEBP, 'image/webp');
    expect(clean.readUInt32LE(4)).toBe(clean.length - 8);
    expect(clean[20] & 0x0c).toBe(0);
    expect(clean.includes(Buffer.from('VP8 '))).toBe(true);
  });

  it('judges by content: a PNG sent as image/jpeg is a PNG; an SVG, GIF or HEIC sent as an image is refused', async () => {
    const res = await upload(PNG, 'image/jpeg');
    expect(res.json().mime).toBe('image/png');
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);
    for (const [body, type] of [[Buffer.from('<svg onload="alert(1)"/>'), 'image/png'], [Buffer.from('GIF89a\x01\0\x01\0'), 'image/jpeg'], [heic, 'image/webp'], [Buffer.alloc(0), 'image/png']] as const) {
      const refused = await upload(body, type);
      expect(refused.statusCode).toBe(415);
      expect(refused.json().code).toBe('CY_UNSUPPORTED_MEDIA_TYPE');
    }
    const typed = await upload(JPEG, 'image/heic');
    expect(typed.statusCode).toBe(415);
  });

  it('refuses photos over 5 MB with 413 and stores nothing', async () => {
    const [{ n: before }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from photo');
    const res = await upload(Buffer.concat([JPEG.subarray(0, 2), Buffer.alloc(5 * 1024 * 1024 + 1)]), 'image/jpeg');
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('CY_PAYLOAD_TOO_LARGE');
    const [{ n: after }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from photo');
    expect(after).toBe(before);
  });
});
