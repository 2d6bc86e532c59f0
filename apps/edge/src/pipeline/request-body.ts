import type { IncomingMessage } from 'node:http';
import { finished, Readable, Transform, type TransformCallback } from 'node:stream';
import { type InvocationBody, PayloadTooLargeError } from '../integrations';

const EMPTY = Buffer.alloc(0);

/**
 * The request body as integrations get it: not read until an integration asks, then streamed
 * (or buffered once) through a counter that fails with PayloadTooLargeError past the limit. The
 * integration gets a stream of its own, never the socket's: whatever it destroys on failure, the
 * connection survives to carry the gateway response.
 */
export class RequestBody implements InvocationBody {
  readonly length: number | undefined;
  readonly empty: boolean;
  /** The client sent more than the limit while the body was being read. */
  exceeded = false;
  /** Why the body stream failed, if it did. */
  streamError?: Error;
  private taken = false;
  private buffered?: Promise<Buffer>;

  constructor(
    private readonly req: IncomingMessage,
    private readonly limit: number,
  ) {
    const declared = req.headers['content-length'];
    this.length = declared === undefined ? undefined : Number(declared);
    this.empty =
      req.headers['transfer-encoding'] === undefined &&
      !(this.length !== undefined && this.length > 0);
  }

  stream(): Readable {
    const buffered = this.buffered;
    if (buffered) return Readable.from(replay(buffered));
    return this.take();
  }

  readAll(): Promise<Buffer> {
    this.buffered ??= this.empty ? Promise.resolve(EMPTY) : collect(this.take());
    return this.buffered;
  }

  private take(): Readable {
    if (this.taken) throw new Error('The request body was already taken as a stream');
    this.taken = true;
    if (this.empty) return Readable.from([]);
    const counter = new LimitStream(this.limit, () => (this.exceeded = true));
    // Whoever reads handles the error; this listener only ensures an error nobody listens for
    // (a reader that destroyed the stream and left) cannot take the process down.
    counter.on('error', (err: Error) => (this.streamError = err));
    this.req.pipe(counter);
    // pipe() does not pass on a client that goes away mid-body; the reader must hear of it.
    finished(this.req, { writable: false }, (err) => {
      if (err) counter.destroy(err);
    });
    return counter;
  }
}

class LimitStream extends Transform {
  private seen = 0;

  constructor(
    private readonly limit: number,
    private readonly onExceeded: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.onExceeded();
      callback(new PayloadTooLargeError(this.limit));
      return;
    }
    callback(null, chunk);
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

async function* replay(buffered: Promise<Buffer>): AsyncGenerator<Buffer> {
  yield await buffered;
}
