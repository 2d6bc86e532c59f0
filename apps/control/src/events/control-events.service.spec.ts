import type { ClientProxy } from '@nestjs/microservices';
import {
  CONTROL_DOMAIN_CHANGED,
  CONTROL_STAGE_CHANGED,
  CONTROL_USAGEPLAN_CHANGED,
} from '@portico/contracts';
import { of, throwError } from 'rxjs';
import { ControlEvents } from './control-events.service';

/** A stand-in for the NATS ClientProxy: this spec is about what ControlEvents does with it. */
function fakeClient(fail: boolean) {
  const sent: [string, unknown][] = [];
  const client = {
    connect: () => Promise.resolve(),
    emit: (subject: string, payload: unknown) => {
      sent.push([subject, payload]);
      return fail ? throwError(() => new Error('NATS is away')) : of(undefined);
    },
  };
  return { sent, events: new ControlEvents(client as unknown as ClientProxy) };
}

describe('ControlEvents', () => {
  it('publishes one event per stage, domain and usage plan, the last change winning', async () => {
    const { sent, events } = fakeClient(false);
    await events.publish({
      stages: [
        { restApiId: 'a', stageName: 'prod', change: 'updated' },
        { restApiId: 'a', stageName: 'dev', change: 'updated' },
        { restApiId: 'a', stageName: 'prod', change: 'deleted' },
      ],
      domains: [
        { domainName: 'API.test', change: 'updated' },
        { domainName: 'api.test', change: 'deleted' },
      ],
      usagePlans: [
        { usagePlanId: 'p1', change: 'updated' },
        { usagePlanId: 'p2', change: 'updated' },
        { usagePlanId: 'p1', change: 'deleted' },
      ],
    });
    expect(sent).toEqual([
      [CONTROL_STAGE_CHANGED, { restApiId: 'a', stageName: 'dev', change: 'updated' }],
      [CONTROL_STAGE_CHANGED, { restApiId: 'a', stageName: 'prod', change: 'deleted' }],
      [CONTROL_DOMAIN_CHANGED, { domainName: 'api.test', change: 'deleted' }],
      [CONTROL_USAGEPLAN_CHANGED, { usagePlanId: 'p2', change: 'updated' }],
      [CONTROL_USAGEPLAN_CHANGED, { usagePlanId: 'p1', change: 'deleted' }],
    ]);
  });

  it('does not fail the change when a publish fails', async () => {
    const { sent, events } = fakeClient(true);
    await expect(
      events.publish({
        stages: [{ restApiId: 'a', stageName: 'prod', change: 'updated' }],
        domains: [],
        usagePlans: [{ usagePlanId: 'p1', change: 'updated' }],
      }),
    ).resolves.toBeUndefined();
    expect(sent).toHaveLength(2);
  });

  it('publishes no usage plan event when a change names none', async () => {
    const { sent, events } = fakeClient(false);
    await events.publish({ stages: [], domains: [] });
    expect(sent).toEqual([]);
  });
});
