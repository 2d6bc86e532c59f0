// Removes what a bench run wrote to a Redis it did not start (its REDIS_KEY_PREFIX keeps it
// apart): the 10,000-route definition alone is megabytes, and runs would pile them up.
import Redis from 'ioredis';

/** Deletes every key starting with `prefix`; resolves with how many it deleted. */
export async function deleteKeysWithPrefix(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: pattern, count: 1000 })) {
      if (keys.length > 0) deleted += await redis.del(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}
