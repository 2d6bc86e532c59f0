import type { RunningService } from '@portico/platform';
import { request } from 'undici';

/** One request as a load generator saw it: when it left, when its answer came, what it was. */
export interface Shot {
  edge: number;
  sentAt: number;
  answeredAt: number;
  status: number;
  retryAfter?: string;
  body: string;
}

/** A GET to `path` of a REST stage through `edge`, timed. */
export async function shoot(
  edges: readonly RunningService[],
  edge: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<Shot> {
  const sentAt = Date.now();
  const res = await request(`http://127.0.0.1:${(edges[edge] as RunningService).port}${path}`, {
    headers,
  });
  const body = await res.body.text();
  const retryAfter = res.headers['retry-after'];
  return {
    edge,
    sentAt,
    answeredAt: Date.now(),
    status: res.statusCode,
    retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    body,
  };
}

/**
 * Closed-loop load: `perEdge` workers on each edge, each sending its next request as soon as the
 * last is answered, until `durationMs` has passed (or `stop` resolves). The machine's pace sets
 * the offered rate; callers check it was high enough for what they assert.
 */
export async function loadFor(
  edges: readonly RunningService[],
  perEdge: number,
  until: number | Promise<unknown>,
  send: (edge: number) => Promise<Shot>,
): Promise<Shot[]> {
  const shots: Shot[] = [];
  let stopped = false;
  if (typeof until === 'number') setTimeout(() => (stopped = true), until);
  else void until.then(() => (stopped = true));
  const worker = async (edge: number): Promise<void> => {
    while (!stopped) shots.push(await send(edge));
  };
  await Promise.all(
    edges.flatMap((_, edge) => Array.from({ length: perEdge }, () => worker(edge))),
  );
  return shots;
}

/**
 * Sends rounds of concurrent requests until every answer has been a refusal for `quietMs`
 * (units another edge leased and did not spend come back within a lease's lifetime, and are then
 * admitted): what a quota admits in the end is all it admits. Bounded by `maxMs`.
 */
export async function sendUntilRefused<T>(
  round: () => Promise<T[]>,
  admitted: (answer: T) => boolean,
  quietMs: number,
  maxMs = 20_000,
): Promise<T[]> {
  const answers: T[] = [];
  const started = Date.now();
  let lastAdmittedAt = started;
  for (;;) {
    const now = Date.now();
    if (now - lastAdmittedAt > quietMs) return answers;
    if (now - started > maxMs) {
      throw new Error(`Still admitting after ${maxMs} ms (${answers.length} answers)`);
    }
    const batch = await round();
    for (const answer of batch) answers.push(answer);
    if (batch.some(admitted)) lastAdmittedAt = Date.now();
    // Answers given locally come in microtasks: let timers (lease ends, refunds) run between.
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A metric's value on an ops port's /metrics, summed over its series (0 when absent). */
export async function metricValue(opsPort: number, name: string): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${opsPort}/metrics`)).body.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
