import type { Readable } from 'node:stream';
import { integrationError } from '../integration-errors';

/**
 * Buffers a backend response that a mapping needs whole, refusing more than `limit` bytes so a
 * runaway backend cannot exhaust the edge's memory.
 */
export async function readLimited(stream: Readable | Buffer, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(stream)) {
    if (stream.length > limit) throw integrationError(`Backend response exceeds ${limit} bytes`);
    return stream;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limit) {
      stream.destroy();
      throw integrationError(`Backend response exceeds ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
