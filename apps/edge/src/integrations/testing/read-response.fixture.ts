import { Readable } from 'node:stream';
import type { InvocationResponse } from '../integration.types';

/** The whole body of an InvocationResponse, whatever form it takes. */
export async function bodyBuffer(res: InvocationResponse): Promise<Buffer> {
  if (typeof res.body === 'string') return Buffer.from(res.body);
  if (Buffer.isBuffer(res.body)) return res.body;
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as Readable) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

export async function bodyText(res: InvocationResponse): Promise<string> {
  return (await bodyBuffer(res)).toString('utf8');
}

/** What an IntegrationFailure (or anything else) a promise rejects with, for field assertions. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('Expected the promise to reject');
}
