-- ack: a delivered entry leaves the outbox: acknowledged and deleted at once.
-- KEYS[1]: the outbox stream. ARGV[1]: consumer group, ARGV[2]: entry id.
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
