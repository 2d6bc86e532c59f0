/**
 * Emitted by control after a usage plan, or a key's membership of one, is created, updated or
 * deleted. Edges reload their usage plans (they also do when the definitions' revision moves).
 */
export const CONTROL_USAGEPLAN_CHANGED = 'portico.control.usageplan.changed.v1' as const;

export interface UsagePlanChangedEvent {
  usagePlanId: string;
  change: 'updated' | 'deleted';
}
