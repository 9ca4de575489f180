-- add: store a silence, dropping expired ones.
-- KEYS: silences (by id), ends, muted. ARGV: id, JSON, ends (Unix ms), now
-- (Unix ms), muted so far (a silence copied from the single-slot layout
-- keeps its count).
local now = tonumber(ARGV[4])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[3], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if tonumber(ARGV[5]) > 0 then redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[5]) end
local last = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local ttl = string.format('%.0f', tonumber(last[2]) - now + 60000)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
return 1
