import type { IncomingMessage, ServerResponse } from 'node:http';
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
    /** Called once, when the body is first read (the pipeline answers `Expect: 100-continue`). */
    private readonly onFirstRead?: () => void,
  ) {
    const declared = req.headers['content-length'];
    this.length = declared === undefined ? undefined : Number(declared);
    this.empty = !declaresBody(req);
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
    this.onFirstRead?.();
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

/** The request has a body: chunked, or a Content-Length above zero. */
export function declaresBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > 0;
}

/**
 * Reads and discards what is left of a body nobody reads any more, so the connection can carry
 * the next request, up to `limit` bytes: past that the connection is closed instead. (Node would
 * otherwise read such a body to its end, however long; or, when an integration stopped reading
 * mid-body, leave the connection stalled on it.)
 */
export function discardRestOfBody(req: IncomingMessage, res: ServerResponse, limit: number): void {
  if (req.complete || !declaresBody(req)) return;
  let seen = 0;
  const onData = (chunk: Buffer): void => {
    seen += chunk.length;
    if (seen <= limit) return;
    req.off('data', onData);
    // The answer goes out whole first; then the connection is dropped.
    if (res.writableFinished) req.socket.destroy();
    else res.once('finish', () => req.socket.destroy());
  };
  req.on('data', onData);
  req.resume();
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
