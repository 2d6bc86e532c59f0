/**
 * A refund of unspent lease units, atomic in Redis. Per quota whose counter still exists (its
 * period not over): take off min(cost, counter) — never below 0, and a counter that has gone is
 * not recreated — and the same off its usage record's `used` (not below 0, a record that has
 * gone is not recreated), whose `remaining` becomes what the quota has left afterwards. Expiry
 * times are left as they are.
 *
 * KEYS: the quotas' counters, then the usage records of the quotas that name one.
 * ARGV: cost, the quota count, then per quota its limit and the index in KEYS of its usage
 * record (0 when it has none).
 * Reply: per quota, the units taken back.
 */
export const REFUND_LUA = `
local cost = tonumber(ARGV[1])
local nq = tonumber(ARGV[2])
local reply = {}
for j = 1, nq do
  local counter = redis.call('GET', KEYS[j])
  local take = 0
  if counter then
    take = math.max(0, math.min(cost, tonumber(counter)))
  end
  if take > 0 then
    local count = redis.call('DECRBY', KEYS[j], take)
    local record = tonumber(ARGV[2 + 2 * j])
    if record > 0 and redis.call('EXISTS', KEYS[record]) == 1 then
      local used = tonumber(redis.call('HGET', KEYS[record], 'used') or '0')
      redis.call('HSET', KEYS[record], 'used', math.max(0, used - take),
        'remaining', tonumber(ARGV[1 + 2 * j]) - count)
    end
  end
  reply[j] = take
end
return reply
`;

/**
 * UpdateUsage, atomic in Redis: the quota's counter set to `limit - remaining` (below 0 when
 * the key is given more than the limit), expiring when its period ends; the day's usage record,
 * when named, gets `remaining` (and `used` 0 when it had none), kept `retention` ms.
 *
 * KEYS: the counter, then the usage record when there is one.
 * ARGV: the counter's value, periodEndsAt (epoch ms), remaining, retention (ms).
 */
export const UPDATE_USAGE_LUA = `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
if #KEYS > 1 then
  redis.call('HSET', KEYS[2], 'remaining', ARGV[3])
  redis.call('HSETNX', KEYS[2], 'used', 0)
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return 1
`;
