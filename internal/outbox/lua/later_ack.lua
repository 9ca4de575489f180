-- later_ack: acknowledge a delivered outbox entry and schedule what follows
-- it (a page's follow-up), in one step. The follow-up is scheduled only by
-- the call that removes the entry: a page delivered twice (a replica that
-- lost its lease) or an ack retried after a lost answer schedules it once.
-- KEYS[1]: the outbox stream, KEYS[2]: the later set of the same part.
-- ARGV[1]: consumer group, ARGV[2]: entry id, ARGV[3]: due time (Unix ms),
-- ARGV[4]: the encoded notification, ARGV[5]: the later set's TTL (ms).
-- Returns 1 when scheduled, 0 when the entry was gone already.
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if redis.call('XDEL', KEYS[1], ARGV[2]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
