-- Appends one batch of accepted callbacks to a partition's record, and
-- bounds the record by age and by number of callbacks.
--
-- KEYS[1]  the partition's record stream (record.keys): one entry
--          per batch, its field d the batch as Go encoded it (encode.go)
-- KEYS[2]  the number of callbacks of each entry, oldest first (a list)
-- KEYS[3]  how many callbacks the stream holds in all
-- ARGV[1]  callbacks the partition keeps, at most
-- ARGV[2]  the oldest arrival kept, Unix ms
-- ARGV[3]  how long an idle record lives, ms (PEXPIRE: a partition nobody
--          writes to any more is gone after the record's age)
-- ARGV[4]  the batch's first arrival, Unix ms
-- ARGV[5]  how many callbacks the batch holds
-- ARGV[6]  the batch
--
-- An entry's id is its first arrival: "ms-seq". Replicas' clocks and
-- batches interleave, so an arrival older than the stream's newest entry
-- takes the newest entry's time (a later seq): ids only grow. Times stay
-- strings: Lua's numbers would print 13-digit times in exponent form on
-- some interpreters.
local key, counts, totalKey = KEYS[1], KEYS[2], KEYS[3]
local max, oldest, ttl = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local ms, n = ARGV[4], tonumber(ARGV[5])

local lastMs, lastSeq = nil, 0
local newest = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
if #newest > 0 then
  local id = newest[1][1]
  local dash = string.find(id, '-', 1, true)
  lastMs = string.sub(id, 1, dash - 1)
  lastSeq = tonumber(string.sub(id, dash + 1))
else
  -- A stream gone (expired, deleted) takes its counts with it.
  redis.call('DEL', counts, totalKey)
end
-- later reports whether the decimal time a is later than b (both without
-- leading zeros).
local function later(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
if lastMs == nil or later(ms, lastMs) then
  lastMs, lastSeq = ms, 0
else
  lastSeq = lastSeq + 1
end
redis.call('XADD', key, lastMs .. '-' .. lastSeq, 'd', ARGV[6])
redis.call('RPUSH', counts, n)
local total = tonumber(redis.call('INCRBY', totalKey, n))

-- Age: the entries that began before the oldest arrival kept.
local gone = tonumber(redis.call('XTRIM', key, 'MINID', oldest))
if gone > 0 then
  for _, c in ipairs(redis.call('LPOP', counts, gone)) do total = total - tonumber(c) end
end
-- Number: the oldest entries, until the rest fits (the newest stays).
local len = tonumber(redis.call('LLEN', counts))
local drop = 0
while total > max and len - drop > 1 do
  total = total - tonumber(redis.call('LPOP', counts))
  drop = drop + 1
end
if drop > 0 then
  redis.call('XTRIM', key, 'MAXLEN', math.max(len - drop, 0))
end
redis.call('SET', totalKey, total)
for _, k in ipairs({key, counts, totalKey}) do redis.call('PEXPIRE', k, ttl) end
return total
