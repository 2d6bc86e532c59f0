import type { ApiKeyView } from '@portico/contracts';

/** An ApiKey as AWS returns it: dates in epoch seconds, the value only when asked for. */
export interface ApiKeyShape {
  id: string;
  value?: string;
  name: string;
  customerId?: string;
  description?: string;
  enabled: boolean;
  createdDate: number;
  lastUpdatedDate: number;
  stageKeys: string[];
  tags: Record<string, string>;
}

export function apiKeyShape(key: ApiKeyView): ApiKeyShape {
  return {
    id: key.id,
    ...(key.value === undefined ? {} : { value: key.value }),
    name: key.name,
    ...(key.customerId === undefined ? {} : { customerId: key.customerId }),
    ...(key.description === undefined ? {} : { description: key.description }),
    enabled: key.enabled,
    createdDate: key.createdDate / 1000,
    lastUpdatedDate: key.lastUpdatedDate / 1000,
    stageKeys: key.stageKeys,
    tags: key.tags,
  };
}
