// Builds image fixtures in the test itself: pixels encoded with the library's own codecs, then
// metadata spliced in byte by byte so the tests know exactly what must disappear.
import { GifWriter } from "omggif";
import { encodeJpeg, encodePng } from "../../lib/media/codecs";
import type { Pixels } from "../../lib/media/pixels";

export const MARKER = "SECRET-GPS-MARKER";
/** Numerators of the GPS latitude rationals: a byte run that exists nowhere but in the GPS IFD. */
export const GPS_LATITUDE = [0x0badf00d, 0x0c0ffee0, 0x0defaced];

export function pixelsOf(width: number, height: number, colour: (x: number, y: number) => [number, number, number, number]): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 4);
  }
  return { data, width, height };
}

/** Red top-left quarter, blue elsewhere: shows where the corner went after a turn. */
export const redCorner = (w: number, h: number) => (x: number, y: number): [number, number, number, number] =>
  x < w / 2 && y < h / 2 ? [255, 0, 0, 255] : [0, 0, 255, 255];

const text = (s: string) => new TextEncoder().encode(s);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Little-endian TIFF: IFD0 {Orientation, ImageDescription=MARKER, GPSInfo→} and a GPS IFD with latitude. */
export function exifTiff(orientation: number): Uint8Array {
  const b = new Uint8Array(200);
  const v = new DataView(b.buffer);
  b.set(text("II"), 0);
  v.setUint16(2, 42, true);
  v.setUint32(4, 8, true);
  const description = text(`${MARKER}\0`);
  // IFD0 at 8: 3 entries (8 + 2 + 36 + 4 = 50)
  v.setUint16(8, 3, true);
  entry(v, 10, 0x010e, 2, description.length, 80); // ImageDescription → text at 80
  entry(v, 22, 0x0112, 3, 1, orientation); // Orientation
  entry(v, 34, 0x8825, 4, 1, 110); // GPS IFD at 110
  v.setUint32(46, 0, true);
  b.set(description, 80);
  // GPS IFD at 110: LatitudeRef "N", Latitude 3 rationals at 150
  v.setUint16(110, 2, true);
  entry(v, 112, 0x0001, 2, 2, 0x4e);
  entry(v, 124, 0x0002, 5, 3, 150);
  v.setUint32(136, 0, true);
  GPS_LATITUDE.forEach((n, i) => { v.setUint32(150 + i * 8, n, true); v.setUint32(154 + i * 8, 1, true); });
  return b.subarray(0, 174);
}

function entry(v: DataView, at: number, tag: number, type: number, count: number, value: number): void {
  v.setUint16(at, tag, true);
  v.setUint16(at + 2, type, true);
  v.setUint32(at + 4, count, true);
  if (type === 3) v.setUint16(at + 8, value, true);
  else v.setUint32(at + 8, value, true);
}

function jpegSegment(marker: number, body: Uint8Array): Uint8Array {
  const head = new Uint8Array([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]);
  return concat([head, body]);
}

/** A JPEG carrying EXIF (orientation, GPS, description), XMP, an ICC-looking APP2 and a comment, all naming MARKER. */
export async function jpegWithMetadata(p: Pixels, orientation: number): Promise<Uint8Array> {
  const plain = await encodeJpeg(p, 92);
  const segments = [
    jpegSegment(0xe1, concat([text("Exif\0\0"), exifTiff(orientation)])),
    jpegSegment(0xe1, text(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description exif:GPSLatitude="48,51.5N" dc:title="${MARKER}"/></x:xmpmeta>`)),
    jpegSegment(0xe2, text(`ICC_PROFILE\0\x01\x01desc ${MARKER}`)),
    jpegSegment(0xed, text(`Photoshop 3.0\0 IPTC ${MARKER}`)),
    jpegSegment(0xfe, text(`comment ${MARKER}`)),
  ];
  // After SOI; trailing bytes after EOI as a motion photo would have them.
  return concat([plain.subarray(0, 2), ...segments, plain.subarray(2), text(`trailer ${MARKER}`)]);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  out.set(text(type), 4);
  out.set(body, 8);
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** A PNG with tEXt, iTXt and eXIf chunks naming MARKER, inserted after IHDR. */
export async function pngWithMetadata(p: Pixels, orientation = 1): Promise<Uint8Array> {
  const plain = await encodePng(p);
  const afterIhdr = 8 + 25;
  return concat([
    plain.subarray(0, afterIhdr),
    pngChunk("tEXt", text(`Comment\0${MARKER}`)),
    pngChunk("iTXt", text(`XML:com.adobe.xmp\0\0\0\0\0${MARKER}`)),
    pngChunk("eXIf", exifTiff(orientation)),
    plain.subarray(afterIhdr),
  ]);
}

/** A two-frame looping GIF with a comment extension naming MARKER and a foreign application block. */
export function animatedGif(width = 20, height = 10, frames = 2): Uint8Array {
  const buf = new Uint8Array(4096);
  const writer = new GifWriter(buf, width, height, { loop: 0, palette: [0xff0000, 0x00ff00, 0x0000ff, 0xffffff] });
  for (let f = 0; f < frames; f++) {
    const indices = new Array(width * height).fill(f % 3);
    writer.addFrame(0, 0, width, height, indices, { delay: 10 });
  }
  const gif = buf.subarray(0, writer.end());
  const headerEnd = 13 + 3 * 4;
  const comment = concat([new Uint8Array([0x21, 0xfe, MARKER.length]), text(MARKER), new Uint8Array([0])]);
  const app = concat([new Uint8Array([0x21, 0xff, 11]), text("XMP DataXMP"), new Uint8Array([MARKER.length]), text(MARKER), new Uint8Array([0])]);
  return concat([gif.subarray(0, headerEnd), comment, app, gif.subarray(headerEnd)]);
}

export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

export function containsText(haystack: Uint8Array, s: string): boolean {
  return contains(haystack, text(s));
}

/** The GPS latitude numerators as they sit in the little-endian TIFF. */
export function gpsLatitudeBytes(): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, GPS_LATITUDE[0], true);
  return b;
}

function riffChunk(id: string, body: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  head.set(text(id));
  new DataView(head.buffer).setUint32(4, body.length, true);
  return concat([head, body, body.length % 2 ? new Uint8Array(1) : new Uint8Array(0)]);
}

/** A simple (VP8) WebP rewrapped as extended (VP8X) with EXIF (orientation, GPS, MARKER) and XMP chunks. */
export function webpWithMetadata(simple: Uint8Array, width: number, height: number, orientation: number): Uint8Array {
  const vp8x = new Uint8Array(10);
  vp8x[0] = 0x08 | 0x04; // EXIF and XMP present
  vp8x.set([(width - 1) & 0xff, ((width - 1) >> 8) & 0xff, 0, (height - 1) & 0xff, ((height - 1) >> 8) & 0xff, 0], 4);
  const body = concat([
    text("WEBP"),
    riffChunk("VP8X", vp8x),
    simple.subarray(12),
    riffChunk("EXIF", exifTiff(orientation)),
    riffChunk("XMP ", text(`<x:xmpmeta>${MARKER}</x:xmpmeta>`)),
  ]);
  const head = new Uint8Array(8);
  head.set(text("RIFF"));
  new DataView(head.buffer).setUint32(4, body.length, true);
  return concat([head, body]);
}
