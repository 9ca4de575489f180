-- absorb: move pages from the outbox into a digest. A page is taken only if
-- it is still pending for this consumer (another replica may have taken it
-- over, and then it is theirs to deliver), and then it is acknowledged,
-- deleted and listed in the same step: never in both the outbox and a
-- digest, never in neither. The digest's record (outbox.record) counts it.
-- KEYS: outbox, digest index, digest record, digest page list.
-- ARGV: group, consumer, digest id, now (ms), ttl (ms), max listed, max
-- digests, receiver, channel, then (outbox id, page line) pairs.
-- Returns the ids absorbed.
local group, consumer, id, now, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local absorbed, lines = {}, {}
local listed = redis.call('LLEN', KEYS[4])
for i = 10, #ARGV, 2 do
  local oid = ARGV[i]
  if #redis.call('XPENDING', KEYS[1], group, oid, oid, 1, consumer) == 1 then
    absorbed[#absorbed + 1] = oid
    if listed + #lines < tonumber(ARGV[6]) then lines[#lines + 1] = ARGV[i + 1] end
  end
end
-- One command each for all the pages (a flood brings hundreds at a time),
-- in chunks that keep Lua's stack of arguments small.
local function each_chunk(list, f)
  for i = 1, #list, 500 do f(unpack(list, i, math.min(i + 499, #list))) end
end
each_chunk(absorbed, function(...)
  redis.call('XACK', KEYS[1], group, ...)
  redis.call('XDEL', KEYS[1], ...)
end)
each_chunk(lines, function(...) redis.call('RPUSH', KEYS[4], ...) end)
listed = listed + #lines
if #absorbed > 0 then
  redis.call('HINCRBY', KEYS[3], 'pages', #absorbed)
  redis.call('HSETNX', KEYS[3], 'since', now)
  redis.call('HSET', KEYS[3], 'until', now, 'receiver', ARGV[8], 'channel', ARGV[9])
  redis.call('PEXPIRE', KEYS[3], ttl)
  if listed > 0 then
    redis.call('PEXPIRE', KEYS[4], ttl)
  end
  redis.call('ZADD', KEYS[2], 'NX', now, id)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
  local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7])
  if extra > 0 then
    redis.call('ZPOPMIN', KEYS[2], extra)
  end
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return absorbed
