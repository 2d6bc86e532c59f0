/** Emitted by control after a stage is created, redeployed, updated or deleted. */
export const CONTROL_STAGE_CHANGED = 'portico.control.stage.changed.v1' as const;

export interface StageChangedEvent {
  restApiId: string;
  stageName: string;
  change: 'updated' | 'deleted';
}
