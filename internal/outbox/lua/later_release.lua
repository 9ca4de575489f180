-- later_release: move the notifications due by ARGV[1] (Unix ms), at most
-- ARGV[2] of them, from the later set to the outbox. Each leaves the set in
-- the same step as it enters the outbox, so whichever replicas run this, and
-- however often, each enters the outbox once.
-- KEYS[1]: the later set, KEYS[2]: the outbox stream of the same part.
-- ARGV[3]: the outbox's TTL (ms). Returns how many moved.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, n in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'n', n)
  redis.call('ZREM', KEYS[1], n)
end
if #due > 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return #due
