-- touch: refresh the entries ARGV[3..] that consumer ARGV[2] still holds in
-- group ARGV[1], and return the ids it no longer holds: taken over by
-- another consumer (XAUTOCLAIM after a long silence, e.g. a Redis outage
-- that kept this one from refreshing), acknowledged, or deleted. Checking
-- the owner and claiming in one script is what keeps Touch from stealing an
-- entry back: XCLAIM alone would move it to consumer whoever holds it now.
-- KEYS[1]: the outbox stream.
local lost = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2])
  local kept = false
  if #mine == 1 then
    -- JUSTID with min-idle 0 only resets the idle time and keeps the owner.
    -- A deleted entry is not returned (Redis drops it from the pending list).
    kept = #redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'JUSTID') == 1
  end
  if not kept then
    lost[#lost + 1] = id
  end
end
return lost
