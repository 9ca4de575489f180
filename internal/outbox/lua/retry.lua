-- retry: move a dead letter back to the outbox in one step: the page is
-- never in both streams (delivered twice) nor in neither (lost). ARGV[2] is
-- the page with retried_at set; it is used only if the dead letter still
-- exists, so two operators retrying at once enqueue it once.
-- KEYS[1]: the outbox stream, KEYS[2]: the dead-letter stream of the same part.
-- ARGV[1]: the dead letter's id, ARGV[2]: the page, ARGV[3]: the outbox's TTL (ms).
-- Returns the new outbox entry's id, or false when the dead letter is gone.
if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then
  return false
end
local id = redis.call('XADD', KEYS[1], '*', 'n', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[1])
return id
