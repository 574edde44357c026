import { Zip, ZipDeflate, ZipPassThrough, strToU8 } from "fflate";
import { concatBytes } from "../../lib/bytes";

/**
 * A zip file written straight into an R2 multipart upload as it is made (fflate's streaming
 * Zip), so an archive never has to fit in memory: JSON files are deflated, media (already
 * compressed) are stored as they are. R2 wants every part but the last of one size.
 */

const PART_BYTES = 8 * 1024 * 1024;

export class R2ZipWriter {
  private readonly zip: Zip;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written = 0;
  private readonly parts: R2UploadedPart[] = [];
  private error: Error | null = null;

  constructor(private readonly upload: R2MultipartUpload) {
    this.zip = new Zip((err, chunk) => {
      if (err) this.error = err;
      else if (chunk.length) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
      }
    });
  }

  /** A JSON document, deflated; `pieces` lets a long collection be written a page at a time. */
  async addText(path: string, pieces: AsyncIterable<string> | Iterable<string>): Promise<void> {
    const file = new ZipDeflate(path, { level: 6 });
    this.zip.add(file);
    for await (const piece of pieces) {
      file.push(strToU8(piece));
      await this.flush(false);
    }
    file.push(new Uint8Array(0), true);
    await this.flush(false);
  }

  /** A stored file from a stream (an R2 object's body). */
  async addStream(path: string, body: ReadableStream<Uint8Array>): Promise<void> {
    const file = new ZipPassThrough(path);
    this.zip.add(file);
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      file.push(value);
      await this.flush(false);
    }
    file.push(new Uint8Array(0), true);
    await this.flush(false);
  }

  /** Ends the zip and the upload; returns the archive's size in bytes. */
  async finish(): Promise<number> {
    this.zip.end();
    await this.flush(true);
    await this.upload.complete(this.parts);
    return this.written;
  }

  private async flush(final: boolean): Promise<void> {
    if (this.error) throw this.error;
    if (this.pendingBytes < PART_BYTES && !final) return;
    let bytes = concatBytes(...this.pending);
    while (bytes.length >= PART_BYTES || (final && bytes.length > 0)) {
      const part = bytes.subarray(0, Math.min(PART_BYTES, bytes.length));
      this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
      this.written += part.length;
      bytes = bytes.subarray(part.length);
    }
    this.pending = bytes.length ? [bytes] : [];
    this.pendingBytes = bytes.length;
  }
}
