-- dead_letter_digest: add an undeliverable digest to the dead letters and
-- mark its record, in one step.
-- KEYS[1]: the dead-letter stream, KEYS[2]: the digest's record.
-- ARGV[1]: the digest, ARGV[2]: reason, ARGV[3]: failed at (Unix ms),
-- ARGV[4]: the digest's id, ARGV[5]: the dead letters' TTL (ms).
redis.call('XADD', KEYS[1], '*', 'n', ARGV[1], 'reason', ARGV[2], 'failed_at', ARGV[3], 'digest', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'dead_lettered', ARGV[2])
end
return 1
