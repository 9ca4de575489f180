-- dead_letter: move an entry to the dead-letter stream and remove it from
-- the outbox in one step, so a notification is always in exactly one of the
-- two. That is why each part has its own dead letters, in its slot.
-- KEYS[1]: the outbox stream, KEYS[2]: the dead-letter stream of the same part.
-- ARGV[1]: consumer group, ARGV[2]: entry id, ARGV[3]: the body, ARGV[4]:
-- reason, ARGV[5]: failed at (Unix ms), ARGV[6]: the body's field ("n" or
-- "raw"), ARGV[7]: the outbox id, ARGV[8]: the dead letters' TTL (ms).
redis.call('XADD', KEYS[2], '*', ARGV[6], ARGV[3], 'reason', ARGV[4], 'outbox_id', ARGV[7], 'failed_at', ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
