import type { ThrottleSettings, UsagePlan, UsagePlanApiStage } from '@portico/definitions';
import { apiStageKey } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { checkedPatch, type PatchOperation, unescapePointer } from '../common/patch-operations';
import { QUOTA_PERIODS } from './usage-plan.rules';

/** The patch paths UpdateUsagePlan takes, for the refusal of any other. */
const PATHS =
  'replace /name, /description, /productCode, /throttle/rateLimit, /throttle/burstLimit, ' +
  '/quota/limit, /quota/offset, /quota/period; remove /throttle, /quota; add|remove /apiStages; ' +
  'add|replace|remove /apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}[/rateLimit|/burstLimit]';

export interface PlanPatchResult {
  plan: UsagePlan;
  /** API stages the operations added (the service checks that they exist). */
  addedStages: UsagePlanApiStage[];
}

/**
 * UpdateUsagePlan's operations applied to a copy of `current`, in order; any operation it cannot
 * apply refuses the whole update. The result is checked by the caller (checkUsagePlan).
 */
export function applyUsagePlanPatch(current: UsagePlan, ops: PatchOperation[]): PlanPatchResult {
  const plan: UsagePlan = structuredClone(current);
  const addedStages: UsagePlanApiStage[] = [];
  for (const raw of ops) {
    const patch = checkedPatch(raw);
    const { op, path } = patch;
    if (path === '/name') {
      patch.only('replace');
      plan.name = patch.value();
      if (plan.name === '') throw new AwsBadRequestException('Usage plan name must not be empty');
    } else if (path === '/description' || path === '/productCode') {
      patch.only('replace', 'remove');
      const field = path.slice(1) as 'description' | 'productCode';
      if (op === 'remove') delete plan[field];
      else plan[field] = patch.value();
    } else if (path === '/throttle' || path === '/quota') {
      patch.only('remove');
      delete plan[path.slice(1) as 'throttle' | 'quota'];
    } else if (path === '/throttle/rateLimit' || path === '/throttle/burstLimit') {
      patch.only('replace', 'add');
      plan.throttle = { ...plan.throttle, ...throttleValue(path, patch.value()) };
    } else if (path === '/quota/limit' || path === '/quota/offset') {
      patch.only('replace', 'add');
      plan.quota = { ...plan.quota, [path.slice(7)]: integer(path, patch.value()) };
    } else if (path === '/quota/period') {
      patch.only('replace', 'add');
      const period = patch.value();
      if (!(QUOTA_PERIODS as readonly string[]).includes(period)) {
        throw new AwsBadRequestException(
          `Invalid quota period: ${period} (expected one of ${QUOTA_PERIODS.join(', ')})`,
        );
      }
      plan.quota = { ...plan.quota, period: period as (typeof QUOTA_PERIODS)[number] };
    } else if (path === '/apiStages') {
      patch.only('add', 'remove');
      const stage = parseApiStage(patch.value());
      const key = apiStageKey(stage);
      const at = plan.apiStages.findIndex((s) => apiStageKey(s) === key);
      if (op === 'add') {
        if (at >= 0) throw new AwsBadRequestException(`Duplicate API stage: ${key}`);
        plan.apiStages.push(stage);
        addedStages.push(stage);
      } else {
        if (at < 0) throw new AwsBadRequestException(`API stage not in the usage plan: ${key}`);
        plan.apiStages.splice(at, 1);
      }
    } else if (path.startsWith('/apiStages/')) {
      applyMethodThrottle(plan, patch.op, path, patch.value);
    } else {
      throw new AwsBadRequestException(
        `Invalid patch path '${path}' specified for op '${op}'. Must be one of: [${PATHS}]`,
      );
    }
  }
  return { plan, addedStages };
}

/** `apiId:stage` as a stage of a plan. */
function parseApiStage(value: string): UsagePlanApiStage {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new AwsBadRequestException(`Invalid API stage '${value}': expected {apiId}:{stage}`);
  }
  return { apiId: value.slice(0, colon), stage: value.slice(colon + 1) };
}

/**
 * `/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/{rateLimit|burstLimit}`
 * (add/replace) or `/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}` (remove);
 * `/` inside the resource path is escaped `~1`, as AWS documents.
 */
function applyMethodThrottle(plan: UsagePlan, op: string, path: string, value: () => string): void {
  const [, , stageId = '', throttle, ...rest] = path.split('/');
  const invalid = () =>
    new AwsBadRequestException(
      `Invalid patch path '${path}' specified for op '${op}'. Must be one of: [${PATHS}]`,
    );
  if (throttle !== 'throttle') throw invalid();
  const key = apiStageKey(parseApiStage(stageId));
  const stage = plan.apiStages.find((s) => apiStageKey(s) === key);
  if (!stage) throw new AwsBadRequestException(`API stage not in the usage plan: ${key}`);
  const field = op === 'remove' ? undefined : rest.pop();
  if (op !== 'remove' && field !== 'rateLimit' && field !== 'burstLimit') throw invalid();
  const method = rest.pop();
  if (!method || rest.length === 0) throw invalid();
  const resourcePath = rest.map(unescapePointer).join('/');
  const methodKey = `${resourcePath.startsWith('/') ? '' : '/'}${resourcePath}/${method}`;
  const throttles = { ...stage.throttle };
  if (op === 'remove') {
    if (!throttles[methodKey]) {
      throw new AwsBadRequestException(`No throttle for ${methodKey} in API stage ${key}`);
    }
    delete throttles[methodKey];
  } else {
    throttles[methodKey] = {
      ...throttles[methodKey],
      ...throttleValue(`${methodKey}/${field}`, value(), field as keyof ThrottleSettings),
    };
  }
  stage.throttle = throttles;
}

function throttleValue(
  path: string,
  text: string,
  field = path.slice(path.lastIndexOf('/') + 1) as keyof ThrottleSettings,
): ThrottleSettings {
  return { [field]: field === 'burstLimit' ? integer(path, text) : number(path, text) };
}

function number(path: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new AwsBadRequestException(`Invalid value for ${path}: ${text} (expected a number)`);
  }
  return n;
}

function integer(path: string, text: string): number {
  const n = number(path, text);
  if (!Number.isInteger(n)) {
    throw new AwsBadRequestException(`Invalid value for ${path}: ${text} (expected an integer)`);
  }
  return n;
}
