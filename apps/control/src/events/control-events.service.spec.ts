import type { ClientProxy } from '@nestjs/microservices';
import { CONTROL_DOMAIN_CHANGED, CONTROL_STAGE_CHANGED } from '@portico/contracts';
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
  it('publishes one event per stage and domain, the last change winning', async () => {
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
    });
    expect(sent).toEqual([
      [CONTROL_STAGE_CHANGED, { restApiId: 'a', stageName: 'dev', change: 'updated' }],
      [CONTROL_STAGE_CHANGED, { restApiId: 'a', stageName: 'prod', change: 'deleted' }],
      [CONTROL_DOMAIN_CHANGED, { domainName: 'api.test', change: 'deleted' }],
    ]);
  });

  it('does not fail the change when a publish fails', async () => {
    const { sent, events } = fakeClient(true);
    await expect(
      events.publish({
        stages: [{ restApiId: 'a', stageName: 'prod', change: 'updated' }],
        domains: [],
      }),
    ).resolves.toBeUndefined();
    expect(sent).toHaveLength(1);
  });
});
