-- Appends accepted callbacks to one partition's record stream, and bounds it.
--
-- KEYS[1]  the partition's record stream (store.Keyspace.Record)
-- ARGV[1]  entries the stream keeps, at most (XTRIM MAXLEN ~)
-- ARGV[2]  the oldest arrival time kept, Unix ms (XTRIM MINID ~)
-- ARGV[3]  how long an idle stream lives, ms (PEXPIRE: a partition nobody
--          writes to any more is gone after the record's age)
-- ARGV[4..] per callback: arrival time (Unix ms), app, body
--
-- An entry's id is its arrival time: "ms-seq". Replicas' clocks and batches
-- interleave, so an arrival older than the stream's newest entry takes the
-- newest entry's time (a later seq): ids only grow, and a reader merging
-- the partitions by id reads every callback in arrival order, to within the
-- replicas' clock skew. Times stay strings: Lua's numbers would print
-- 13-digit times in exponent form on some interpreters.
local key = KEYS[1]
local lastMs, lastSeq = nil, 0
local newest = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
if #newest > 0 then
  local id = newest[1][1]
  local dash = string.find(id, '-', 1, true)
  lastMs = string.sub(id, 1, dash - 1)
  lastSeq = tonumber(string.sub(id, dash + 1))
end
-- later reports whether the decimal time a is later than b (both without
-- leading zeros).
local function later(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
local n = 0
for i = 4, #ARGV, 3 do
  local ms = ARGV[i]
  if lastMs == nil or later(ms, lastMs) then
    lastMs, lastSeq = ms, 0
  else
    lastSeq = lastSeq + 1
  end
  redis.call('XADD', key, lastMs .. '-' .. lastSeq, 'a', ARGV[i + 1], 'b', ARGV[i + 2])
  n = n + 1
end
redis.call('XTRIM', key, 'MAXLEN', '~', ARGV[1])
redis.call('XTRIM', key, 'MINID', '~', ARGV[2])
redis.call('PEXPIRE', key, ARGV[3])
return n
