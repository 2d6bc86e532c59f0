import { apiStageKey, type ThrottleSettings, type UsagePlan } from '@portico/definitions';
import type { PatchOperation } from '../common/patch-operations';
import { type DesiredUsagePlan, escapedMethodKey } from './config-file.usage-plans';

type Fields = Record<string, string | number | undefined>;

/**
 * The UpdateUsagePlan operations that make `current` what the file wants (none when it is
 * already), so that a file's plan changes through the same checks as the management API's.
 * Key memberships are not part of a plan's record and are reconciled apart.
 */
export function usagePlanPatch(current: UsagePlan, want: DesiredUsagePlan): PatchOperation[] {
  const ops: PatchOperation[] = [];
  if (current.name !== want.name) ops.push({ op: 'replace', path: '/name', value: want.name });
  if ((current.description ?? '') !== (want.description ?? '')) {
    ops.push(
      want.description
        ? { op: 'replace', path: '/description', value: want.description }
        : { op: 'remove', path: '/description' },
    );
  }
  ops.push(
    ...fieldOps('/throttle', throttleFields(current.throttle), throttleFields(want.throttle)),
  );
  // An offset left out is 0, written as such so that the next comparison finds it equal.
  const quota = want.quota && { ...want.quota, offset: want.quota.offset ?? 0 };
  ops.push(...fieldOps('/quota', current.quota as Fields | undefined, quota));

  const wanted = new Set(want.apiStages.map(apiStageKey));
  for (const stage of current.apiStages) {
    const key = apiStageKey(stage);
    if (!wanted.has(key)) ops.push({ op: 'remove', path: '/apiStages', value: key });
  }
  for (const stage of want.apiStages) {
    const key = apiStageKey(stage);
    const have = current.apiStages.find((s) => apiStageKey(s) === key);
    if (!have) ops.push({ op: 'add', path: '/apiStages', value: key });
    const throttles = have?.throttle ?? {};
    for (const method of Object.keys(throttles)) {
      if (!stage.throttle?.[method]) ops.push({ op: 'remove', path: methodPath(key, method) });
    }
    for (const [method, t] of Object.entries(stage.throttle ?? {})) {
      ops.push(
        ...fieldOps(methodPath(key, method), throttleFields(throttles[method]), throttleFields(t)),
      );
    }
  }
  return ops;
}

/**
 * Replaces the fields of `path` that differ; a field `current` has and `want` lacks cannot be
 * removed alone, so the whole object goes first and `want`'s fields are set again.
 */
function fieldOps(
  path: string,
  current: Fields | undefined,
  want: Fields | undefined,
): PatchOperation[] {
  if (!want) return current ? [{ op: 'remove', path }] : [];
  const ops: PatchOperation[] = [];
  let base: Fields = current ?? {};
  if (Object.keys(base).some((k) => base[k] !== undefined && want[k] === undefined)) {
    ops.push({ op: 'remove', path });
    base = {};
  }
  for (const [k, v] of Object.entries(want)) {
    if (v !== undefined && base[k] !== v) {
      ops.push({ op: 'replace', path: `${path}/${k}`, value: String(v) });
    }
  }
  return ops;
}

function throttleFields(t: ThrottleSettings | undefined): Fields | undefined {
  return t && { rateLimit: t.rateLimit, burstLimit: t.burstLimit };
}

function methodPath(stageKey: string, method: string): string {
  return `/apiStages/${stageKey}/throttle/${escapedMethodKey(method)}`;
}
