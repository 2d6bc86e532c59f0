import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AUTH_REVISION, type AuthRevisionEvent } from '@portico/contracts';
import { NATS_CONNECTION, PINO_LOGGER, type PinoLogger } from '@portico/platform';
import type { Msg, NatsConnection, Subscription } from 'nats';

/**
 * What the auth service announces, for the edge's caches of its answers: each gate listens for
 * the change events of what it caches (`on`), and every gate forgets everything (`onReset`) when
 * the auth store's announced revision moves without this edge having been told why, or when
 * NATS reconnects — events sent meanwhile are lost.
 */
@Injectable()
export class AuthEvents implements OnModuleInit, OnModuleDestroy {
  private readonly handlers = new Map<string, Array<(event: unknown) => void>>();
  private readonly resets: Array<() => void> = [];
  private subs: Subscription[] = [];
  private revision?: string;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection | null,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
  ) {}

  /** Calls `handler` with each event on `subject` (decoded JSON; malformed ones are logged). */
  on<T>(subject: string, handler: (event: Partial<T>) => void): void {
    const list = this.handlers.get(subject) ?? [];
    list.push(handler as (event: unknown) => void);
    this.handlers.set(subject, list);
  }

  /** Calls `reset` whenever cached auth answers may be stale in ways no event said. */
  onReset(reset: () => void): void {
    this.resets.push(reset);
  }

  onModuleInit(): void {
    const nc = this.nc;
    if (!nc) return;
    this.on<AuthRevisionEvent>(AUTH_REVISION, (event) => this.onRevision(event));
    this.subs = [...this.handlers].map(([subject, handlers]) =>
      nc.subscribe(subject, {
        callback: (err, msg) => {
          const event = this.decode(err, msg);
          if (event !== undefined) for (const handler of handlers) handler(event);
        },
      }),
    );
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'reconnect') this.reset();
      }
    })();
  }

  onModuleDestroy(): void {
    for (const sub of this.subs) sub.unsubscribe();
  }

  private onRevision(event: Partial<AuthRevisionEvent>): void {
    if (typeof event.revision !== 'string') return;
    // The first announcement only sets the mark; a later move means the store changed, and the
    // events that said what may not all have arrived.
    if (this.revision !== undefined && event.revision !== this.revision) this.reset();
    this.revision = event.revision;
  }

  private reset(): void {
    for (const reset of this.resets) reset();
  }

  private decode(err: Error | null, msg: Msg): object | undefined {
    if (err) {
      this.logger.warn({ err: err.message }, 'Auth event subscription error');
      return undefined;
    }
    let event: unknown;
    try {
      event = JSON.parse(msg.string());
    } catch {
      event = undefined;
    }
    if (typeof event === 'object' && event !== null) return event;
    this.logger.warn({ subject: msg.subject }, 'Malformed auth event');
    return undefined;
  }
}
