/**
 * One decision, atomic in Redis: every bucket and quota checked, then — only when all admit —
 * `cost` taken from each bucket and added to each quota counter, and each quota's usage record
 * of the day (when it names one) gets `cost` added to `used` and `remaining` set to what the
 * quota has left, kept `retention` ms from this write. A refusal writes nothing.
 *
 * KEYS: the buckets' hashes ({tokens, ts}), then the quotas' counters, then the usage records
 * ({used, remaining}) of the quotas that name one.
 * ARGV: the bucket count, the quota count, cost, retention (ms), a rate (tokens per second) and
 * burst per bucket, then per quota a limit, periodEndsAt (epoch ms) and the index in KEYS of its
 * usage record (0 when it has none).
 *
 * Time is Redis's own (TIME), so replicas need no synchronised clocks. A bucket refills lazily:
 * tokens = min(burst, tokens + elapsed × rate); one never seen is full. It expires once idle
 * long enough to be full again (then it is as good as absent), at most MAX_BUCKET_TTL_MS on.
 *
 * Reply: {1, remaining, quota 1's remaining, …} when admitted, remaining being the fewest
 * tokens a bucket holds (rounded down; the fewest a quota has left when there is no bucket);
 * {0, 1, bucket index, ms until it holds cost} refused by a bucket; {0, 2, quota index, ms
 * until the period ends} refused by a quota. Indexes count from 1.
 */
export const CONSUME_LUA = `
local nb = tonumber(ARGV[1])
local nq = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local retention = tonumber(ARGV[4])
local max_ttl = ${10 * 365 * 24 * 3600 * 1000}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000

local held = {}
for i = 1, nb do
  local per_ms = tonumber(ARGV[3 + 2 * i]) / 1000
  local burst = tonumber(ARGV[4 + 2 * i])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local tokens = burst
  if state[1] then
    local elapsed = math.max(0, now - (tonumber(state[2]) or now))
    tokens = math.min(burst, tonumber(state[1]) + elapsed * per_ms)
  end
  if tokens < cost then
    return {0, 1, i, math.ceil((cost - tokens) / per_ms)}
  end
  held[i] = tokens
end

local q0 = 4 + 2 * nb
local used = {}
for j = 1, nq do
  local limit = tonumber(ARGV[q0 + 3 * j - 2])
  used[j] = tonumber(redis.call('GET', KEYS[nb + j]) or '0')
  if used[j] + cost > limit then
    return {0, 2, j, math.max(0, math.ceil(tonumber(ARGV[q0 + 3 * j - 1]) - now))}
  end
end

local fewest = nil
for i = 1, nb do
  local per_ms = tonumber(ARGV[3 + 2 * i]) / 1000
  local burst = tonumber(ARGV[4 + 2 * i])
  local left = held[i] - cost
  redis.call('HSET', KEYS[i], 'tokens', left, 'ts', now)
  redis.call('PEXPIRE', KEYS[i], math.max(1, math.min(max_ttl, math.ceil((burst - left) / per_ms))))
  if fewest == nil or left < fewest then fewest = left end
end

local reply = {1, 0}
for j = 1, nq do
  local left = tonumber(ARGV[q0 + 3 * j - 2]) - used[j] - cost
  redis.call('INCRBY', KEYS[nb + j], cost)
  redis.call('PEXPIREAT', KEYS[nb + j], ARGV[q0 + 3 * j - 1])
  local record = tonumber(ARGV[q0 + 3 * j])
  if record > 0 then
    redis.call('HINCRBY', KEYS[record], 'used', cost)
    redis.call('HSET', KEYS[record], 'remaining', left)
    redis.call('PEXPIRE', KEYS[record], retention)
  end
  reply[2 + j] = left
  if nb == 0 and (fewest == nil or left < fewest) then fewest = left end
end
reply[2] = math.floor(fewest)
return reply
`;
