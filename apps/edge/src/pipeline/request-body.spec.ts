import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { PayloadTooLargeError } from '../integrations';
import { RequestBody } from './request-body';

/** A stand-in for Node's IncomingMessage: a stream with headers. */
function incoming(headers: Record<string, string>): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage;
}

async function drain(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('RequestBody', () => {
  it('knows an empty body without reading', async () => {
    const body = new RequestBody(incoming({}), 10);
    expect(body.empty).toBe(true);
    expect(body.length).toBeUndefined();
    expect((await body.readAll()).length).toBe(0);
    expect(new RequestBody(incoming({ 'content-length': '0' }), 10).empty).toBe(true);
    expect(new RequestBody(incoming({ 'transfer-encoding': 'chunked' }), 10).empty).toBe(false);
  });

  it('buffers once and replays the buffer as a stream', async () => {
    const req = incoming({ 'content-length': '11' });
    const body = new RequestBody(req, 100);
    expect(body.length).toBe(11);
    req.end('hello world');
    const first = body.readAll();
    expect(body.readAll()).toBe(first);
    expect((await first).toString()).toBe('hello world');
    expect(await drain(body.stream())).toBe('hello world');
  });

  it('streams once; a second taker is refused', async () => {
    const req = incoming({ 'transfer-encoding': 'chunked' });
    const body = new RequestBody(req, 100);
    const stream = body.stream();
    expect(() => body.stream()).toThrow(/already taken/);
    req.write('a');
    req.end('b');
    expect(await drain(stream)).toBe('ab');
  });

  it('fails with PayloadTooLargeError past the limit and says so', async () => {
    const req = incoming({ 'transfer-encoding': 'chunked' });
    const body = new RequestBody(req, 5);
    const all = body.readAll();
    req.write('abc');
    req.write('def');
    await expect(all).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(body.exceeded).toBe(true);
  });

  it('accepts exactly the limit', async () => {
    const req = incoming({ 'transfer-encoding': 'chunked' });
    const body = new RequestBody(req, 6);
    req.write('abc');
    req.end('def');
    expect((await body.readAll()).toString()).toBe('abcdef');
    expect(body.exceeded).toBe(false);
  });

  it('leaves the connection alone when the integration destroys its stream', async () => {
    const req = incoming({ 'transfer-encoding': 'chunked' });
    const stream = new RequestBody(req, 100).stream();
    stream.destroy(new Error('upstream refused'));
    await new Promise((r) => setImmediate(r));
    expect(req.destroyed).toBe(false);
  });

  it('says when the body is first read (and only then), for Expect: 100-continue', async () => {
    const calls: string[] = [];
    const req = incoming({ 'content-length': '2' });
    const body = new RequestBody(req, 10, () => calls.push('read'));
    expect(calls).toEqual([]);
    const all = body.readAll();
    req.end('hi');
    await all;
    await drain(body.stream());
    expect(calls).toEqual(['read']);
    // Nothing to ask for when there is no body.
    const none = new RequestBody(incoming({}), 10, () => calls.push('empty'));
    await none.readAll();
    expect(calls).toEqual(['read']);
  });

  it('passes a client that goes away mid-body on to the reader', async () => {
    const req = incoming({ 'transfer-encoding': 'chunked' });
    const all = new RequestBody(req, 100).readAll();
    req.write('partial');
    req.destroy(new Error('aborted'));
    await expect(all).rejects.toThrow('aborted');
  });
});
