import { crc32, deflateSync } from "node:zlib";

/**
 * A PNG file from filtered scanlines (each row starts with its filter byte), made with Node's
 * zlib: real images for the end-to-end tests and benches, with no encoder to install.
 * `colourType` 2 is RGB, 6 is RGBA; `text` adds a tEXt chunk (metadata the server must strip).
 */
export function pngFile(width: number, height: number, colourType: 2 | 6, scanlines: Uint8Array, text?: string): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, colourType, 0, 0, 0], 8);
  const chunks = [chunk("IHDR", ihdr), chunk("IDAT", deflateSync(scanlines)), ...(text ? [chunk("tEXt", Buffer.from(text, "latin1"))] : []), chunk("IEND", Buffer.alloc(0))];
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]));
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}
