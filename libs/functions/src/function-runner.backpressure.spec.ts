import { setTimeout as sleep } from 'node:timers/promises';
import { functionInvokeSubject } from '@portico/contracts';
import { eventually } from '@portico/testing';
import { ErrorCode, NatsError } from 'nats';
import type { FunctionRunner } from './function-runner';
import { useRunnerHarness } from './testing/runner.fixture';

/**
 * Back-pressure against a real NATS server: a runner holds at most concurrency + maxQueued
 * invocations, refuses (or is skipped by the server) only while full, and is always back in
 * its queue group once it has room, whatever the callers did meanwhile.
 */
describe('function runner back-pressure', () => {
  const { start, ...harness } = useRunnerHarness();

  /** How one call ended, as the edge tells them apart. */
  type Outcome = 'ok' | 'full' | 'no-responders' | 'timeout' | string;

  async function call(name: string, event: unknown = {}, timeoutMs = 5_000): Promise<Outcome> {
    try {
      const msg = await harness
        .nc()
        .request(functionInvokeSubject(name), Buffer.from(JSON.stringify(event)), {
          timeout: timeoutMs,
        });
      const reply = JSON.parse(msg.string()) as { ok: boolean; error?: { code: string } };
      if (reply.ok) return 'ok';
      return reply.error?.code === 'Unavailable' ? 'full' : `error:${reply.error?.code}`;
    } catch (err) {
      if (err instanceof NatsError && err.code === ErrorCode.NoResponders) return 'no-responders';
      if (err instanceof NatsError && err.code === ErrorCode.Timeout) return 'timeout';
      throw err;
    }
  }

  const count = (outcomes: Outcome[], which: Outcome): number =>
    outcomes.filter((o) => o === which).length;

  /** Watches a runner's load from inside its handler: what it held at most. */
  function peakTracker(): { sample(runner: FunctionRunner): void; peak: number } {
    const tracker = {
      peak: 0,
      sample(runner: FunctionRunner) {
        const { running, queued } = runner.stats();
        tracker.peak = Math.max(tracker.peak, running + queued);
      },
    };
    return tracker;
  }

  it('keeps serving closed-loop callers that use more than half its capacity', async () => {
    // The bench's pattern (32 connections against 32 + 32 slots), scaled down: each caller
    // sends its next call the moment it has the answer. The auto-unsubscribe scheme lost its
    // subscription for good here within a few rounds (then only no-responders).
    await start('loop-fn', async () => 'pong', { concurrency: 4, maxQueued: 4 });
    const outcomes: Outcome[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let i = 0; i < 150; i++) outcomes.push(await call('loop-fn'));
      }),
    );
    // Six callers never fill eight slots: nothing may be refused.
    expect(outcomes).toHaveLength(900);
    expect(count(outcomes, 'ok')).toBe(900);
  });

  it('refuses only while full, then takes work again', async () => {
    const gates: Array<() => void> = [];
    const runner = await start(
      'gated-fn',
      async (event: unknown) => {
        if ((event as { hold?: boolean }).hold) await new Promise<void>((r) => gates.push(r));
        return 'done';
      },
      { concurrency: 2, maxQueued: 2 },
    );
    const accepted = Array.from({ length: 4 }, () => call('gated-fn', { hold: true }));
    await eventually(() => expect(runner.stats()).toEqual({ running: 2, queued: 2 }));
    // Full: each further call is refused at once (the runner's reply, or no-responders once
    // the server has seen it leave the queue group), never held and never left to time out.
    const overflow = await Promise.all(
      Array.from({ length: 6 }, () => call('gated-fn', { hold: true }, 2_000)),
    );
    expect(count(overflow, 'full') + count(overflow, 'no-responders')).toBe(6);
    expect(runner.stats()).toEqual({ running: 2, queued: 2 });
    await eventually(async () => expect(await call('gated-fn', {}, 2_000)).toBe('no-responders'));
    // Slots come back (the queued two start as the running two end); all accepted is answered.
    await eventually(() => {
      gates.splice(0).forEach((release) => release());
      expect(runner.stats()).toEqual({ running: 0, queued: 0 });
    });
    expect(await Promise.all(accepted)).toEqual(['ok', 'ok', 'ok', 'ok']);
    // The subscription went out before the last reply did: the very next call is taken.
    expect(await call('gated-fn')).toBe('ok');
  });

  it('is back in its queue group after every burst, even one whose callers left mid-flight', async () => {
    const capacity = { concurrency: 2, maxQueued: 2 };
    const held = peakTracker();
    const runner: FunctionRunner = await start(
      'burst-fn',
      async () => {
        // Called only once start() has returned: no call is sent before.
        held.sample(runner);
        await sleep(Math.floor(Math.random() * 4));
        return 'ok';
      },
      capacity,
    );
    const sizes = [12, 4, 5, 1, 9, 4, 16, 3];
    for (let round = 0; round < 24; round++) {
      const size = sizes[round % sizes.length] ?? 1;
      const abandon = round % 3 === 2;
      // Abandoning callers give up after 1 ms: the runner still holds their invocations.
      const outcomes = await Promise.all(
        Array.from({ length: size }, () => call('burst-fn', {}, abandon ? 1 : 5_000)),
      );
      if (abandon) {
        // Back as soon as it has room for the probe; the probe went out behind the abandoned
        // calls, so once it is answered the runner has had all of them. It then finishes what
        // it took: the next round starts with an idle runner.
        await eventually(async () => expect(await call('burst-fn', {}, 2_000)).toBe('ok'));
        await eventually(() => expect(runner.stats()).toEqual({ running: 0, queued: 0 }));
        continue;
      }
      // Nothing is lost (no timeout); the first `capacity` calls always find room.
      expect(count(outcomes, 'timeout')).toBe(0);
      expect(
        count(outcomes, 'ok') + count(outcomes, 'full') + count(outcomes, 'no-responders'),
      ).toBe(size);
      expect(count(outcomes, 'ok')).toBeGreaterThanOrEqual(Math.min(size, 4));
      // And the runner answers the next call at once, not eventually.
      expect(await call('burst-fn')).toBe('ok');
    }
    expect(held.peak).toBeLessThanOrEqual(4);
  });

  it('lets a peer in the queue group take the traffic while it is full', async () => {
    const gates: Array<() => void> = [];
    const full = await start(
      'peer-fn',
      () => new Promise<string>((resolve) => gates.push(() => resolve('held'))),
      { concurrency: 1, maxQueued: 1 },
    );
    await start('peer-fn', async () => 'peer');
    const first = Array.from({ length: 20 }, () => call('peer-fn', {}, 5_000));
    await eventually(() => expect(full.stats()).toEqual({ running: 1, queued: 1 }));
    // Once the server has seen the full runner leave, every call goes to its peer.
    await eventually(async () => {
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => call('peer-fn')));
      expect(count(outcomes, 'ok')).toBe(20);
    });
    await eventually(() => expect(gates.length).toBe(1));
    gates.shift()?.();
    await eventually(() => expect(gates.length).toBe(1));
    gates.shift()?.();
    // The first wave: answered by a runner, or refused by the full one before the server knew.
    const outcomes = await Promise.all(first);
    expect(count(outcomes, 'ok') + count(outcomes, 'full')).toBe(20);
    // With room again the first runner takes invocations anew.
    await eventually(async () => {
      void call('peer-fn', {}, 5_000);
      await sleep(20);
      expect(gates.length).toBeGreaterThan(0);
    });
    gates.splice(0).forEach((release) => release());
  });
});
