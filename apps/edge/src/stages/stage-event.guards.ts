import type {
  DomainChangedEvent,
  StageChangedEvent,
  UsagePlanChangedEvent,
} from '@portico/contracts';

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

export function isUsagePlanChanged(e: unknown): e is UsagePlanChangedEvent {
  const v = e as Partial<UsagePlanChangedEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.usagePlanId === 'string';
}
