import {
  type APIGatewayClient,
  BadRequestException,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  GetUsageCommand,
  NotFoundException,
  UpdateUsageCommand,
} from '@aws-sdk/client-api-gateway';
import {
  type ConsumeReply,
  type QuotaRef,
  quotaKey,
  RATELIMIT_CONSUME,
  usageKey,
} from '@portico/contracts';
import { quotaWindow, utcDay } from '@portico/definitions';
import {
  connectNats,
  type PinoLogger,
  type RunningService,
  type ServiceHandle,
} from '@portico/platform';
import { startInfra, type TestInfra } from '@portico/testing';
import {
  managementClient,
  startTestAuth,
  startTestControl,
  startTestRatelimit,
} from './support/services';

const DAY = 24 * 3600 * 1000;

/**
 * GetUsage and UpdateUsage through the AWS SDK: control with the auth and ratelimit services,
 * the usage written by ConsumeRequests sent over NATS the way an edge sends them.
 */
describe('usage plan usage (GetUsage, UpdateUsage)', () => {
  let infra: TestInfra;
  let control: RunningService;
  let auth: ServiceHandle;
  let ratelimit: ServiceHandle | undefined;
  let sdk: APIGatewayClient;
  let nc: Awaited<ReturnType<typeof connectNats>>;

  beforeAll(async () => {
    infra = await startInfra();
    auth = await startTestAuth(infra);
    ratelimit = await startTestRatelimit(infra, { RATELIMIT_REDIS_TIMEOUT_MS: '2000' });
    control = await startTestControl(infra);
    sdk = managementClient(control);
    nc = await connectNats(infra.natsUrl, 'usage-test', {
      warn: () => undefined,
    } as unknown as PinoLogger);
  });

  afterAll(async () => {
    sdk?.destroy();
    await nc?.close();
    await control?.close();
    await ratelimit?.close();
    await auth?.close();
    await infra?.stop();
  });

  const quota = { limit: 100, offset: 10, period: 'MONTH' as const };
  /** A plan with `quota` and two keys, as CreateUsagePlan and CreateUsagePlanKey make them. */
  const planWithKeys = async (withQuota = true) => {
    const { id } = await sdk.send(
      new CreateUsagePlanCommand({ name: 'metered', ...(withQuota ? { quota } : {}) }),
    );
    const keys: string[] = [];
    for (const name of ['a', 'b']) {
      const keyId = (await sdk.send(new CreateApiKeyCommand({ name, enabled: true }))).id!;
      await sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: id, keyId, keyType: 'API_KEY' }));
      keys.push(keyId);
    }
    return { planId: id!, keys: keys.sort() };
  };
  /** The key's quota now, named as an edge names it (the plan's quota just started). */
  const quotaOf = (planId: string, keyId: string): QuotaRef => {
    const now = Date.now();
    const window = quotaWindow(quota, now, now);
    return {
      key: quotaKey(planId, keyId, window.id),
      limit: window.limit,
      periodEndsAt: window.endsAt,
      usageKey: usageKey(planId, keyId, utcDay(now)),
    };
  };
  const consume = async (ref: QuotaRef, cost: number): Promise<ConsumeReply> => {
    const reply = await nc.request(
      RATELIMIT_CONSUME,
      Buffer.from(JSON.stringify({ buckets: [], quotas: [ref], cost })),
      { timeout: 10_000 },
    );
    return reply.json<ConsumeReply>();
  };
  const today = () => utcDay(Date.now());
  const dayOff = (n: number) => utcDay(Date.now() + n * DAY);

  it('reports each key per day: what was admitted, and what the quota had left', async () => {
    const { planId, keys } = await planWithKeys();
    const [a, b] = keys as [string, string];
    expect(await consume(quotaOf(planId, a), 3)).toMatchObject({ ok: true, allowed: true });
    expect(await consume(quotaOf(planId, a), 2)).toMatchObject({ ok: true, allowed: true });
    const usage = await sdk.send(
      new GetUsageCommand({ usagePlanId: planId, startDate: dayOff(-1), endDate: dayOff(1) }),
    );
    // The plan started today: this month is its initial period, whose limit the offset reduces.
    const initial = quotaWindow(quota, Date.now(), Date.now());
    const sameMonth = (n: number) => quotaWindow(quota, 0, Date.now() + n * DAY).id === initial.id;
    const untouched = (n: number) => (sameMonth(n) ? initial.limit : quota.limit);
    expect(usage).toMatchObject({
      usagePlanId: planId,
      startDate: dayOff(-1),
      endDate: dayOff(1),
      items: {
        // Yesterday nothing; today 5 of 90; tomorrow carries today's 85 within the month.
        [a]: [
          [0, untouched(-1)],
          [5, initial.limit - 5],
          [0, sameMonth(1) ? initial.limit - 5 : quota.limit],
        ],
        [b]: [
          [0, untouched(-1)],
          [0, initial.limit],
          [0, untouched(1)],
        ],
      },
    });
    expect(usage.position).toBeUndefined();
    // One key, by keyId; a page at a time.
    const one = await sdk.send(
      new GetUsageCommand({ usagePlanId: planId, keyId: b, startDate: today(), endDate: today() }),
    );
    expect(one.items).toEqual({ [b]: [[0, initial.limit]] });
    const first = await sdk.send(
      new GetUsageCommand({ usagePlanId: planId, startDate: today(), endDate: today(), limit: 1 }),
    );
    expect(Object.keys(first.items!)).toEqual([a]);
    const second = await sdk.send(
      new GetUsageCommand({
        usagePlanId: planId,
        startDate: today(),
        endDate: today(),
        limit: 1,
        position: first.position,
      }),
    );
    expect(Object.keys(second.items!)).toEqual([b]);
    expect(second.position).toBeUndefined();
  });

  it('sets what a key has left with UpdateUsage, and the next request sees it', async () => {
    const { planId, keys } = await planWithKeys();
    const [a] = keys as [string];
    await consume(quotaOf(planId, a), 4);
    const updated = await sdk.send(
      new UpdateUsageCommand({
        usagePlanId: planId,
        keyId: a,
        patchOperations: [{ op: 'replace', path: '/remaining', value: '500' }],
      }),
    );
    expect(updated).toMatchObject({
      usagePlanId: planId,
      startDate: today(),
      endDate: today(),
      items: { [a]: [[4, 500]] },
    });
    const reply = await consume(quotaOf(planId, a), 1);
    expect(reply).toMatchObject({
      allowed: true,
      quotaRemaining: { [quotaOf(planId, a).key]: 499 },
    });
    const usage = await sdk.send(
      new GetUsageCommand({ usagePlanId: planId, keyId: a, startDate: today(), endDate: today() }),
    );
    expect(usage.items).toEqual({ [a]: [[5, 499]] });
    // 0 left: the key's next request is refused for the rest of the period.
    await sdk.send(
      new UpdateUsageCommand({
        usagePlanId: planId,
        keyId: a,
        patchOperations: [{ op: 'replace', path: '/remaining', value: '0' }],
      }),
    );
    expect(await consume(quotaOf(planId, a), 1)).toMatchObject({
      allowed: false,
      refusedBy: 'quota',
    });
  });

  it('answers a plan without a quota with what was recorded, else 0 left, and refuses UpdateUsage', async () => {
    const { planId, keys } = await planWithKeys(false);
    const [a] = keys as [string];
    const usage = await sdk.send(
      new GetUsageCommand({ usagePlanId: planId, startDate: today(), endDate: today() }),
    );
    expect(usage.items).toEqual({ [a]: [[0, 0]], [keys[1]!]: [[0, 0]] });
    await expect(
      sdk.send(
        new UpdateUsageCommand({
          usagePlanId: planId,
          keyId: a,
          patchOperations: [{ op: 'replace', path: '/remaining', value: '5' }],
        }),
      ),
    ).rejects.toThrow(/has no quota/);
  });

  it('refuses bad ranges, unknown plans and keys, and bad operations as AWS does', async () => {
    const { planId, keys } = await planWithKeys();
    const get = (startDate: string, endDate: string, usagePlanId = planId) =>
      sdk.send(new GetUsageCommand({ usagePlanId, startDate, endDate }));
    await expect(get(dayOff(1), today())).rejects.toThrow(/cannot be after the end date/);
    await expect(get(dayOff(-90), today())).rejects.toThrow(/cannot exceed 90 days/);
    expect((await get(dayOff(-89), today())).items?.[keys[0]!]).toHaveLength(90);
    await expect(get('2026-02-30', '2026-03-01')).rejects.toBeInstanceOf(BadRequestException);
    await expect(get(today(), today(), 'missing')).rejects.toBeInstanceOf(NotFoundException);
    // Without the dates (the SDK would not send such a request: plain HTTP).
    const res = await fetch(`http://127.0.0.1:${control.port}/usageplans/${planId}/usage`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/BadRequestException/);

    const update = (keyId: string, value: string, path = '/remaining', usagePlanId = planId) =>
      sdk.send(
        new UpdateUsageCommand({
          usagePlanId,
          keyId,
          patchOperations: [{ op: 'replace', path, value }],
        }),
      );
    const outsider = (await sdk.send(new CreateApiKeyCommand({ name: 'outsider' }))).id!;
    await expect(update(outsider, '5')).rejects.toBeInstanceOf(NotFoundException);
    await expect(update(keys[0]!, '5', '/remaining', 'missing')).rejects.toBeInstanceOf(
      NotFoundException,
    );
    for (const value of ['-1', '2.5', 'many']) {
      await expect(update(keys[0]!, value)).rejects.toBeInstanceOf(BadRequestException);
    }
    await expect(update(keys[0]!, '5', '/used')).rejects.toThrow(/Invalid patch path/);
  });

  it('answers 503 when the ratelimit service is down', async () => {
    const { planId, keys } = await planWithKeys();
    await ratelimit?.close();
    ratelimit = undefined;
    await expect(
      sdk.send(new GetUsageCommand({ usagePlanId: planId, startDate: today(), endDate: today() })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    await expect(
      sdk.send(
        new UpdateUsageCommand({
          usagePlanId: planId,
          keyId: keys[0],
          patchOperations: [{ op: 'replace', path: '/remaining', value: '5' }],
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
  });
});
