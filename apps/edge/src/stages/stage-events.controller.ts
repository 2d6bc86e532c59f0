import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  CONTROL_DOMAIN_CHANGED,
  CONTROL_STAGE_CHANGED,
  CONTROL_USAGEPLAN_CHANGED,
} from '@portico/contracts';
import { StageRegistry } from './stage-registry.service';

/**
 * Definition changes from control. No queue group: every edge must apply every change.
 * Payloads are checked by the registry (they come off the wire untyped).
 */
@Controller()
export class StageEventsController {
  constructor(private readonly registry: StageRegistry) {}

  @EventPattern(CONTROL_STAGE_CHANGED)
  onStageChanged(@Payload() event: unknown): Promise<void> {
    return this.registry.applyStageEvent(event);
  }

  @EventPattern(CONTROL_DOMAIN_CHANGED)
  onDomainChanged(@Payload() event: unknown): Promise<void> {
    return this.registry.applyDomainEvent(event);
  }

  @EventPattern(CONTROL_USAGEPLAN_CHANGED)
  onUsagePlanChanged(@Payload() event: unknown): Promise<void> {
    return this.registry.applyUsagePlanEvent(event);
  }
}
