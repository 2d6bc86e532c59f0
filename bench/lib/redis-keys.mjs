// The bench's own reads and writes of Redis: what a run wrote to a Redis it did not start (its
// REDIS_KEY_PREFIX keeps it apart) is removed at the end — the 10,000-route definition alone is
// megabytes, and runs would pile them up —, and an API key's usage records show that its
// requests were counted against its usage plan's quota.
import Redis from 'ioredis';

/** `text` as a SCAN pattern that matches it literally. */
const literal = (text) => text.replace(/[*?[\]\\]/g, '\\$&');

/** Runs `use(redis)` on a connection of its own, closed afterwards. */
async function withRedis(redisUrl, use) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key starting with `prefix`; resolves with how many it deleted. */
export function deleteKeysWithPrefix(redisUrl, prefix) {
  return withRedis(redisUrl, async (redis) => {
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${literal(prefix)}*`, count: 1000 })) {
      if (keys.length > 0) deleted += await redis.del(...keys);
    }
    return deleted;
  });
}

/**
 * The requests the ratelimit service has counted for API key `keyId` in usage plan `planId`:
 * the `used` of the key's usage records (`{prefix}{ratelimit}:usage:{planId}:{keyId}:{day}`,
 * written with the quota counter; docs/ratelimit.md), added up over the days.
 */
export function usageCounted(redisUrl, prefix, planId, keyId) {
  return withRedis(redisUrl, async (redis) => {
    const match = `${literal(`${prefix}{ratelimit}:usage:${planId}:${keyId}:`)}*`;
    let used = 0;
    for await (const keys of redis.scanStream({ match, count: 1000 })) {
      for (const key of keys) used += Number(await redis.hget(key, 'used')) || 0;
    }
    return used;
  });
}
