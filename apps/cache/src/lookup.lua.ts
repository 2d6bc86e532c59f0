/**
 * A lookup in one round trip. KEYS[1] the entry, KEYS[2] its fill lock; ARGV[1] the lease in
 * ms. Replies `{1, entry}` on a hit; on a miss `{0, 1}` when this caller took the lock (it
 * fills) and `{0, 0}` when another holds it.
 */
export const LOOKUP_LUA = `
local entry = redis.call('GET', KEYS[1])
if entry then return {1, entry} end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return {0, 1} end
return {0, 0}
`;
