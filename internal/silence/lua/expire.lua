-- expire: end a silence now.
-- KEYS: silences (by id), ends, muted. ARGV: id, now (Unix ms). Returns 0
-- when there is no such active silence.
local ends = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not ends or tonumber(ends) <= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
