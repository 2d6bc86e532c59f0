import { AwsBadRequestException } from './aws-errors';

/** Tag keys the gateway sets itself (the config file marks what it owns with one). */
const RESERVED_TAG_PREFIX = 'portico:';

/** Management requests may not set the gateway's own tags: 400 naming the first such key. */
export function refuseReservedTags(tags: Record<string, string> | undefined): void {
  const reserved = Object.keys(tags ?? {}).find((k) => k.startsWith(RESERVED_TAG_PREFIX));
  if (reserved !== undefined) {
    throw new AwsBadRequestException(
      `Tag keys starting with ${RESERVED_TAG_PREFIX} are reserved: ${reserved}`,
    );
  }
}
