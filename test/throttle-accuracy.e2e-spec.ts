import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateDeploymentCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  ImportRestApiCommand,
  type PatchOperation,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import {
  type ConsumeReply,
  type ConsumeRequest,
  RATELIMIT_CONSUME,
  RATELIMIT_REFUND,
  type RefundEvent,
} from '@portico/contracts';
import { type QuotaPeriod, utcDay, utcDayEnd } from '@portico/definitions';
import {
  callService,
  connectNats,
  encodeJson,
  type PinoLogger,
  type RunningService,
  type ServiceHandle,
} from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
// The edge's own lease and bucket code, driven in-process with a chosen clock (the edge exports
// only its bootstrap, and an edge's clock cannot be moved from outside).
// eslint-disable-next-line no-restricted-imports
import { LeaseStore } from '../apps/edge/src/throttling/lease-store';
// eslint-disable-next-line no-restricted-imports
import {
  bucketsFor,
  leaseSize,
  NO_STAGE_THROTTLING,
} from '../apps/edge/src/throttling/throttle-plan';
// eslint-disable-next-line no-restricted-imports
import { PlanQuota, type StagePlan } from '../apps/edge/src/throttling/usage-plan-index';
import {
  managementClient,
  startTestAuth,
  startTestControl,
  startTestEdge,
  startTestRatelimit,
} from './support/services';
import { loadFor, metricValue, sendUntilRefused, type Shot, shoot } from './support/throttle-load';
import { MOCK_200 } from './support/openapi-fixtures';

const API = `
openapi: 3.0.1
info: { title: Throttle accuracy, version: '1' }
paths:
  /limited:
    get:${MOCK_200}
  /guarded:
    get:${MOCK_200}
  /keyed:
    get:
      security: [{ api_key: [] }]${MOCK_200}
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;

const EDGES = 3;
/** A refilling method limit: `/limited` GET, the same rate and burst. */
const RATE = 100;
const BURST = 100;
/** Leases of at most 1% of the rate across all edges, as docs/ratelimit.md prescribes. */
const FRACTION = 0.01 / EDGES;
const LOAD_MS = 4_000;
/** Concurrent requests per edge: enough for several times the limit, not more. */
const WORKERS = 2;
/** A plan's per-key throttle that does not refill while a test runs. */
const KEY_BURST = 10;
/** A plan's daily quota and the offset taken off its first day. */
const QUOTA = 40;
const OFFSET = 10;
/** Quota edges lease large allotments, so that leased and unspent units must come back. */
const QUOTA_FRACTION = 0.25;
const LEASE_TTL_MS = 250;
/** `/guarded` GET in the Redis outage tests: refills fast, so the edges ask again soon. */
const GUARD = { rate: 2, burst: 2 };
const THROTTLED = '{"message":"Too Many Requests"}';
const LIMIT_EXCEEDED = '{"message":"Limit Exceeded"}';
/** A hang guard, not a timing assertion: every bound involved is a fraction of it. */
const HANG_GUARD_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Throttle and quota accuracy on real NATS, Redis and services: three edges and two ratelimit
 * replicas hold a refilling method limit within 1% under load several times the limit, give two
 * keys of one plan a bucket each, admit exactly a quota's first-period allowance across edges
 * that lease and give back units; the edge's lease and bucket code crosses DAY and MONTH
 * boundaries against the real service; and with Redis killed or frozen mid-load the edges fail
 * open or closed as configured, never hang, and limit again once Redis is back.
 */
describe('throttle accuracy', () => {
  let infra: TestInfra;
  let control: RunningService;
  let auth: ServiceHandle;
  const replicas: ServiceHandle[] = [];
  let sdk: APIGatewayClient;
  let apiId: string;
  /** Edges leasing at most 1% of a rate between them. */
  const edges: RunningService[] = [];
  /** Edges leasing large quota allotments. */
  const quotaEdges: RunningService[] = [];
  const keys: Record<'a' | 'b' | 'metered', string> = { a: '', b: '', metered: '' };

  const path = (p: string) => `/restapis/${apiId}/prod/_user_request_${p}`;

  beforeAll(async () => {
    // The quota test needs its first period to last: not across a UTC midnight.
    const toMidnight = utcDayEnd(Date.now()) - Date.now();
    if (toMidnight < 60_000) await sleep(toMidnight + 1_000);
    infra = await startInfra();
    auth = await startTestAuth(infra);
    control = await startTestControl(infra);
    // Decisions must not time out on a busy machine (an undecided request is admitted).
    for (let i = 0; i < 2; i++) {
      replicas.push(await startTestRatelimit(infra, { RATELIMIT_REDIS_TIMEOUT_MS: '5000' }));
    }
    sdk = managementClient(control);
    apiId = (await sdk.send(new ImportRestApiCommand({ body: Buffer.from(API) }))).id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    const limit = (p: string, rate: number, burst: number): PatchOperation[] => [
      { op: 'replace', path: `/${p}/GET/throttling/rateLimit`, value: String(rate) },
      { op: 'replace', path: `/${p}/GET/throttling/burstLimit`, value: String(burst) },
    ];
    await sdk.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: 'prod',
        patchOperations: [
          ...limit('~1limited', RATE, BURST),
          ...limit('~1guarded', GUARD.rate, GUARD.burst),
        ],
      }),
    );
    const apiStages = [{ apiId, stage: 'prod' }];
    const throttled = await sdk.send(
      new CreateUsagePlanCommand({
        name: 'per-key',
        apiStages,
        throttle: { rateLimit: 0.001, burstLimit: KEY_BURST },
      }),
    );
    const metered = await sdk.send(
      new CreateUsagePlanCommand({
        name: 'metered',
        apiStages,
        quota: { limit: QUOTA, offset: OFFSET, period: 'DAY' },
      }),
    );
    for (const [name, plan] of [
      ['a', throttled],
      ['b', throttled],
      ['metered', metered],
    ] as const) {
      const key = await sdk.send(new CreateApiKeyCommand({ name, enabled: true }));
      await sdk.send(
        new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }),
      );
      keys[name] = key.value!;
    }
    // Started after the stage and plans are set, so their first load has them all.
    const env = { THROTTLE_TIMEOUT_MS: '5000', THROTTLE_LEASE_TTL_MS: String(LEASE_TTL_MS) };
    for (let i = 0; i < EDGES; i++) {
      edges.push(await startTestEdge(infra, { ...env, THROTTLE_LEASE_FRACTION: String(FRACTION) }));
      quotaEdges.push(
        await startTestEdge(infra, { ...env, THROTTLE_LEASE_FRACTION: String(QUOTA_FRACTION) }),
      );
    }
    await Promise.all([...edges, ...quotaEdges].map(servingStage));
  }, 180_000);

  afterAll(async () => {
    sdk?.destroy();
    await Promise.allSettled(
      [...edges, ...quotaEdges, control].filter(Boolean).map((s) => s.close()),
    );
    await Promise.allSettled([auth, ...replicas].filter(Boolean).map((s) => s.close()));
    await infra?.stop();
  });

  /** Ready (stages and plans loaded), and serving the stage: an unrouted path takes no token. */
  async function servingStage(edge: RunningService): Promise<void> {
    await eventually(async () => {
      const ready = await fetch(`http://127.0.0.1:${edge.opsPort}/readyz`);
      expect(ready.status).toBe(200);
      const res = await fetch(`http://127.0.0.1:${edge.port}${path('/nope')}`);
      expect(await res.text()).toContain('Missing Authentication Token');
    }, 20_000);
  }

  const count = (shots: Shot[], status: number) => shots.filter((s) => s.status === status).length;

  it('holds a refilling method limit within 1% across three edges and two replicas under load', async () => {
    // Connections open before the window, so its first requests are not slowed by handshakes.
    await loadFor(edges, WORKERS, 200, (e) => shoot(edges, e, path('/nope')));
    const shots = await loadFor(edges, WORKERS, LOAD_MS, (e) => shoot(edges, e, path('/limited')));
    const admitted = count(shots, 200);
    const refused = shots.filter((s) => s.status === 429);
    // Every answer was decided (none undecided and admitted, none lost).
    expect(admitted + refused.length).toBe(shots.length);
    for (const s of refused) expect(s.body).toBe(THROTTLED);

    const firstSent = Math.min(...shots.map((s) => s.sentAt));
    const lastAnswered = Math.max(...shots.map((s) => s.answeredAt));
    const firstAnswered = Math.min(...shots.map((s) => s.answeredAt));
    const lastRefusedSent = Math.max(...refused.map((s) => s.sentAt));
    // The bucket starts full (burst) at the first decision, after the first request left and
    // before the first answer came; it refills at RATE; it held under one token when the last
    // refused request was decided, after it left. Leases of one token are exact (docs: L = 1
    // takes every token for the request that spends it); larger ones shift E × L at most.
    const lease = leaseSize([{ key: 'm', ratePerSecond: RATE, burst: BURST }], FRACTION);
    const leaseBound = lease === 1 ? 0 : EDGES * lease;
    const most = BURST + (RATE * (lastAnswered - firstSent)) / 1000 + leaseBound;
    const least = BURST + (RATE * (lastRefusedSent - firstAnswered)) / 1000;

    // The load was several times the limit (else the lower bound would mean nothing).
    expect(shots.length).toBeGreaterThanOrEqual(3 * most);
    expect(admitted).toBeLessThanOrEqual(most);
    expect(admitted).toBeGreaterThanOrEqual(0.99 * least);
    // Every edge took part in both.
    for (let e = 0; e < EDGES; e++) {
      expect(shots.filter((s) => s.edge === e && s.status === 200).length).toBeGreaterThan(0);
      expect(shots.filter((s) => s.edge === e && s.status === 429).length).toBeGreaterThan(0);
    }
  }, 30_000);

  it("gives each key of a plan its own bucket, each admitted exactly up to the plan's burst", async () => {
    const sends = (['a', 'b'] as const).flatMap((k) =>
      Array.from({ length: 3 * KEY_BURST }, (_, i) =>
        shoot(edges, i % EDGES, path('/keyed'), { 'x-api-key': keys[k] }).then((s) => ({ k, s })),
      ),
    );
    const answers = await Promise.all(sends);
    for (const k of ['a', 'b'] as const) {
      const mine = answers.filter((x) => x.k === k).map((x) => x.s);
      expect(count(mine, 200)).toBe(KEY_BURST);
      expect(mine.filter((s) => s.status === 429 && s.body === THROTTLED)).toHaveLength(
        2 * KEY_BURST,
      );
    }
  });

  it('admits exactly limit − offset of a quota in its first period across three edges, then Limit Exceeded until UTC midnight', async () => {
    const send = (edge: number) =>
      shoot(quotaEdges, edge, path('/keyed'), { 'x-api-key': keys.metered });
    // Edge 0 leases an allotment, spends one unit and goes quiet: the rest of the limit is only
    // admitted once its unspent units come back to the service.
    const first = await send(0);
    expect(first.status).toBe(200);
    const answers = await sendUntilRefused(
      () => Promise.all(Array.from({ length: 8 }, (_, i) => send(1 + (i % (EDGES - 1))))),
      (s) => s.status === 200,
      4 * LEASE_TTL_MS,
    );
    answers.push(first);
    expect(count(answers, 200)).toBe(QUOTA - OFFSET);
    const refused = answers.filter((s) => s.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const s of refused) {
      expect({ status: s.status, body: s.body }).toEqual({ status: 429, body: LIMIT_EXCEEDED });
      const toMidnight = (utcDayEnd(s.answeredAt) - s.answeredAt) / 1000;
      expect(Math.abs(Number(s.retryAfter) - toMidnight)).toBeLessThanOrEqual(5);
    }
    // The others admitted all but edge 0's one, and both of them admitted some.
    for (let e = 1; e < EDGES; e++) {
      expect(answers.filter((s) => s.edge === e && s.status === 200).length).toBeGreaterThan(0);
    }
  }, 30_000);

  describe("the edge's leases and quota periods against the real service", () => {
    let nc: Awaited<ReturnType<typeof connectNats>>;

    beforeAll(async () => {
      nc = await connectNats(infra.natsUrl, 'accuracy-edge', {
        warn: () => undefined,
      } as unknown as PinoLogger);
    });

    afterAll(() => nc?.close());

    /** What ThrottleGate does with a LeaseStore: the service over NATS, refunds as events. */
    function edgeLeases(now: () => number): LeaseStore {
      return new LeaseStore(
        (buckets, cost, quotas) => {
          const body: ConsumeRequest = { buckets: [...buckets], cost };
          if (quotas?.length) body.quotas = [...quotas];
          return callService<ConsumeReply>(nc, RATELIMIT_CONSUME, encodeJson(body), {
            timeoutMs: 5_000,
            service: 'the ratelimit service',
          });
        },
        {
          fraction: 0.5,
          ttlMs: LEASE_TTL_MS,
          now,
          refund: (quotas, cost) =>
            nc.publish(
              RATELIMIT_REFUND,
              encodeJson({ quotas: [...quotas], cost } satisfies RefundEvent),
            ),
        },
      );
    }

    const nextBoundary: Record<'DAY' | 'MONTH', (now: number) => number> = {
      DAY: utcDayEnd,
      MONTH: (now) => {
        const d = new Date(now);
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      },
    };

    it.each(['DAY', 'MONTH'] as const)(
      'admits limit − offset just before a %s boundary and the full limit just after, exactly',
      async (period: QuotaPeriod & ('DAY' | 'MONTH')) => {
        const limit = 12;
        const offset = 5;
        const boundary = nextBoundary[period](Date.now());
        const plan: StagePlan = {
          planId: `plan-${period}-${process.pid}`,
          methods: new Map(),
          quota: new PlanQuota({ limit, period, offset }, boundary - 60_000),
        };
        // The clock the edge code sees: real time moved to `at` (the service checks that a
        // period ends in its own future, so both sides of the boundary are still to come).
        let shift = 0;
        const clock = () => Date.now() + shift;
        const stores = [edgeLeases(clock), edgeLeases(clock)];
        const phase = async (at: number) => {
          shift = at - Date.now();
          const take = async (store: LeaseStore) => {
            const set = bucketsFor(
              { ratePerSecond: 10_000, burst: 5_000 },
              NO_STAGE_THROTTLING,
              {
                apiId: 'accuracy',
                stageName: 'prod',
                resourcePath: '/quota',
                methodKey: 'GET',
                apiKey: { id: 'key', plan },
              },
              clock(),
            );
            const outcome = await store.take(set.id, set.buckets, set.quotas);
            return { outcome, period: set.quotas?.[0]?.key ?? '' };
          };
          const [quiet, busy] = stores as [LeaseStore, LeaseStore];
          // One "edge" leases, spends one unit and goes quiet; the other gets the rest only as
          // the first gives its unspent units back.
          const outcomes = [await take(quiet)];
          expect(outcomes[0]?.outcome.kind).toBe('admitted');
          const round = () => Promise.all(Array.from({ length: 4 }, () => take(busy)));
          outcomes.push(
            ...(await sendUntilRefused(
              round,
              (o) => o.outcome.kind === 'admitted',
              4 * LEASE_TTL_MS,
            )),
          );
          for (const o of outcomes) {
            if (o.outcome.kind !== 'admitted') {
              expect(o.outcome).toMatchObject({ kind: 'refused', refusedBy: 'quota' });
            }
          }
          return {
            admitted: outcomes.filter((o) => o.outcome.kind === 'admitted').length,
            periods: [...new Set(outcomes.map((o) => o.period))],
          };
        };
        const before = await phase(boundary - 30_000);
        const after = await phase(boundary + 1_000);
        const firstDay =
          period === 'DAY'
            ? boundary - 86_400_000
            : Date.UTC(
                new Date(boundary - 1).getUTCFullYear(),
                new Date(boundary - 1).getUTCMonth(),
                1,
              );
        expect(before).toEqual({
          admitted: limit - offset,
          periods: [`quota:${plan.planId}:key:${utcDay(firstDay)}`],
        });
        expect(after).toEqual({
          admitted: limit,
          periods: [`quota:${plan.planId}:key:${utcDay(boundary)}`],
        });
      },
      30_000,
    );
  });

  describe('with Redis killed or frozen mid-load', () => {
    const modes: Record<'open' | 'closed', RunningService | undefined> = {
      open: undefined,
      closed: undefined,
    };
    const outageEdges = () => [modes.open, modes.closed] as RunningService[];

    beforeAll(async () => {
      if (infra.source === 'env') return; // a shared Redis from REDIS_URL cannot be stopped
      // Only these edges from here on, and replicas with the default Redis bound (50 ms).
      await Promise.all([...edges, ...quotaEdges].map((e) => e.close()));
      edges.length = 0;
      quotaEdges.length = 0;
      await Promise.all(replicas.map((r) => r.close()));
      replicas.length = 0;
      for (let i = 0; i < 2; i++) replicas.push(await startTestRatelimit(infra));
      // Stages are not reloaded from the Redis that restarts empty; a decision waits 500 ms.
      const env = { THROTTLE_TIMEOUT_MS: '500', STAGE_RESYNC_INTERVAL_MS: '86400000' };
      modes.open = await startTestEdge(infra, { ...env, THROTTLE_FAILURE_MODE: 'open' });
      modes.closed = await startTestEdge(infra, { ...env, THROTTLE_FAILURE_MODE: 'closed' });
      await Promise.all(outageEdges().map(servingStage));
    }, 60_000);

    afterAll(async () => {
      await Promise.allSettled(
        outageEdges()
          .filter(Boolean)
          .map((e) => e.close()),
      );
    });

    /** Each edge refuses `/guarded` again (its burst spent): limits apply. */
    async function limiting(): Promise<void> {
      await eventually(async () => {
        for (let e = 0; e < 2; e++) {
          const shots: Shot[] = [];
          for (let i = 0; i < GUARD.burst + 3; i++) {
            shots.push(await shoot(outageEdges(), e, path('/guarded')));
          }
          expect(shots.map((s) => s.body)).toContain(THROTTLED);
        }
      }, 20_000);
    }

    it.each(['frozen', 'killed'] as const)(
      'with Redis %s: open admits, closed answers 503 Retry-After: 1, nothing hangs, limits return',
      async (how) => {
        if (infra.source === 'env') return;
        await limiting();
        const unavailableBefore = await metricValue(
          modes.open!.opsPort,
          'portico_edge_throttle_unavailable_total',
        );
        let endLoad!: () => void;
        const loadDone = new Promise<void>((resolve) => (endLoad = resolve));
        const load = loadFor(outageEdges(), 3, loadDone, (e) =>
          shoot(outageEdges(), e, path('/guarded')),
        );
        await sleep(300);
        const outage = { start: Date.now(), end: 0 };
        if (how === 'frozen') {
          const admin = new Redis(infra.redisUrl);
          await admin.client('PAUSE', 1500, 'ALL');
          admin.disconnect();
          await sleep(1500);
        } else {
          await infra.stopRedis();
          await sleep(1500);
          await infra.startRedis();
        }
        outage.end = Date.now();
        await sleep(300);
        endLoad();
        const shots = await load;

        // No request waited past the bounds, whatever Redis was doing.
        expect(Math.max(...shots.map((s) => s.answeredAt - s.sentAt))).toBeLessThan(HANG_GUARD_MS);
        const during = (e: number) =>
          shots.filter(
            (s) => s.edge === e && s.sentAt >= outage.start && s.answeredAt <= outage.end,
          );
        // Open: admitted far beyond what the bucket allows over the outage.
        const openAdmitted = count(during(0), 200);
        const allowance = GUARD.burst + (GUARD.rate * (outage.end - outage.start)) / 1000;
        expect(openAdmitted).toBeGreaterThan(2 * allowance);
        expect(shots.filter((s) => s.edge === 0 && s.status === 503)).toEqual([]);
        expect(
          await metricValue(modes.open!.opsPort, 'portico_edge_throttle_unavailable_total'),
        ).toBeGreaterThan(unavailableBefore);
        // Closed: 503 Service Unavailable with Retry-After: 1.
        const unavailable = during(1).filter((s) => s.status === 503);
        expect(unavailable.length).toBeGreaterThan(0);
        for (const s of shots.filter((x) => x.edge === 1 && x.status === 503)) {
          expect({ body: s.body, retryAfter: s.retryAfter }).toEqual({
            body: '{"message":"Service Unavailable"}',
            retryAfter: '1',
          });
        }
        expect(count(during(1), 200)).toBeLessThanOrEqual(allowance);
        for (const s of shots) expect([200, 429, 503]).toContain(s.status);
        // Redis back: the burst-limited method refuses again on both edges.
        await limiting();
      },
      45_000,
    );
  });
});
