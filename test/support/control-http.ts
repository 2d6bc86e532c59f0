import { request } from 'undici';

export interface ControlAnswer {
  status: number;
  /** AWS's error type header, on errors. */
  type: string | string[] | undefined;
  body: Record<string, unknown>;
}

/** A JSON call to control's management API on `port`, its answer parsed. */
export async function controlHttp(
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<ControlAnswer> {
  const res = await request(`http://127.0.0.1:${port}${path}`, {
    method: method as 'GET',
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    type: res.headers['x-amzn-errortype'],
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
  };
}
