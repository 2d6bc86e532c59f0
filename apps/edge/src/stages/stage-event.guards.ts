import type { DomainChangedEvent, StageChangedEvent } from '@portico/contracts';

/** Change events come off the wire untyped; these say whether one can be acted on. */
export function isStageChanged(e: unknown): e is StageChangedEvent {
  const v = e as Partial<StageChangedEvent> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.restApiId === 'string' &&
    typeof v.stageName === 'string'
  );
}

export function isDomainChanged(e: unknown): e is DomainChangedEvent {
  const v = e as Partial<DomainChangedEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.domainName === 'string';
}
