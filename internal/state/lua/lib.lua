-- Shared by fire.lua and tick.lua: the state transitions of an alert that
-- fires. Scripts hold state only: what a page says is rendered in Go
-- (notify), from the notification JSON (op.n) that passes through here
-- untouched, plus the plain fields a script adds (kind, counts, members).
--
-- KEYS[1] outbox, KEYS[2] due timers, KEYS[3..5] silences (by id, ends,
-- muted) of the partition the script works in (fire.lua may switch to
-- another's five, use_part); every further key an op uses is in KEYS too,
-- named in its op.k (built in Go, state/keys.go) and checked by declared()
-- before any write.
-- ARGV[1] now (Unix ms, the caller's clock, so tests and rehearsals can inject
-- time), ARGV[2] outbox TTL ms, ARGV[3] due TTL ms, ARGV[4] members
-- remembered per group, ARGV[5..7] the prefixes of the timers' kinds
-- (pending alert, threshold's wait, group flush): a timer, a member of the
-- due set, is its kind's prefix then its subject (a pending key, a group
-- id). Go defines that format (state/timers.go) and reads it back; a script
-- only joins a prefix it was handed to a subject. A script's own arguments
-- start after these CONST_ARGS.
-- Times in state are compared with NOW, never with key expiry, so behaviour
-- does not depend on the server's clock; TTLs only bound memory.
local NOW = tonumber(ARGV[1])
local OUTBOX, DUE, SIL, SIL_ENDS, SIL_MUTED
local OUTBOX_TTL = tonumber(ARGV[2])
local DUE_TTL = tonumber(ARGV[3])
local MEMBER_CAP = tonumber(ARGV[4])
local TIMER_PENDING, TIMER_WAIT, TIMER_GROUP = ARGV[5], ARGV[6], ARGV[7]
local CONST_ARGS = 7

-- use_part makes the five keys from KEYS[base] those of the partition the
-- next alerts are in.
local function use_part(base)
  OUTBOX, DUE, SIL, SIL_ENDS, SIL_MUTED = KEYS[base], KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
end
use_part(1)

-- TOUCHED remembers the keys whose TTL this script has refreshed: one
-- PEXPIRE each per script is enough, however many alerts it writes there
-- (a stream outlives its last entry; a threshold's window, every callback
-- of a storm counts in, is forgotten here where a member is taken off it,
-- which may delete it).
local TOUCHED = {}
local function refresh(k, ttl)
  if not TOUCHED[k] then
    redis.call('PEXPIRE', k, ttl)
    TOUCHED[k] = true
  end
end

local DECLARED = {}
for _, k in ipairs(KEYS) do DECLARED[k] = true end

local function ms(n) return string.format('%.0f', n) end

-- declared reports whether every key op names was passed in KEYS: a script
-- touches only the keys it declares (Redis Cluster requires it).
local function declared(op)
  local k = op.k or {}
  for _, name in pairs(k) do
    if type(name) == 'string' and not DECLARED[name] then return false end
  end
  for _, s in ipairs(k.src or {}) do
    if not DECLARED[s.key] then return false end
  end
  for _, t in ipairs(k.tgt or {}) do
    if not DECLARED[t] then return false end
  end
  return true
end

-- enqueue adds one outbox entry per receiver: the notification as Go encoded
-- it, the receiver, when, and the extra fields (flat name, value pairs).
local function enqueue(n, receivers, extra)
  for _, r in ipairs(receivers) do
    local args = {OUTBOX, '*', 'n', n, 'r', r, 'at', ms(NOW)}
    for _, v in ipairs(extra or {}) do args[#args + 1] = v end
    redis.call('XADD', unpack(args))
  end
  if #receivers > 0 then refresh(OUTBOX, OUTBOX_TTL) end
end

-- member_fields are the outbox fields that list an aggregate's members:
-- each [name, events] or [name, events, detail], where detail is what Go
-- said of the member at its latest counted event (its role and reason),
-- passed through untouched. A group keeps details in its meta hash gk.
-- Members are listed in no order: which ones a page names, and how it says
-- the rest, is Go's (outbox.decodeEntry). overflow counts members a group
-- counted without remembering them. At most MEMBER_CAP are listed, the rest
-- counted in overflow: a bound on the outbox entry (a threshold crossed by
-- thousands of users of one room), not a choice of whom to name.
local function member_fields(members, overflow, gk)
  local total = #members
  if total > MEMBER_CAP then
    local kept = {}
    for i = 1, MEMBER_CAP do kept[i] = members[i] end
    overflow = (overflow or 0) + total - MEMBER_CAP
    members = kept
  end
  if gk and #members > 0 then
    local names = {}
    for i, m in ipairs(members) do names[i] = 'd|' .. m[1] end
    local details = redis.call('HMGET', gk, unpack(names))
    for i, m in ipairs(members) do
      if details[i] then m[3] = details[i] end
    end
  end
  local fields = {'members', cjson.encode(members), 'member_count', ms(total)}
  if overflow and overflow > 0 then
    fields[#fields + 1] = 'more'
    fields[#fields + 1] = ms(overflow)
  end
  return fields
end

-- with_detail is how a member is kept where its detail must be kept too:
-- "<detail>\n<name>" (the detail never holds a newline; Go sees to it),
-- or the bare name when there is no detail and the name holds no newline.
local function with_detail(op, name)
  if op.detail or string.find(name, '\n', 1, true) then
    return (op.detail or '') .. '\n' .. name
  end
  return name
end

-- split_detail reads what with_detail wrote: the name, and the detail or nil.
local function split_detail(s)
  local nl = string.find(s, '\n', 1, true)
  if not nl then return s, nil end
  local d = string.sub(s, 1, nl - 1)
  if d == '' then d = nil end
  return string.sub(s, nl + 1), d
end

-- share_of is ceil(share x n) for a share in ten-thousandths, in integers.
local function share_of(share, n)
  return math.floor((share * n + 9999) / 10000)
end

-- EXACT bounds the members population() checks one by one.
local EXACT = 64

-- population is N for a relative threshold: the users present (the room's,
-- HLEN of its population hash, or the app's, as Go passed it) plus the
-- counted members, those in ZSET counted_key (counted of them), who are away.
-- A member whose exit the population writer has not applied yet is still
-- present: it counts once, not twice. While few are counted each is
-- checked; beyond that only this event's member is (one among many then
-- hardly moves the share).
local function population(op, counted_key, counted)
  if not op.k.pop then return (op.present or 0) + counted end
  local pop = op.k.pop
  local n = redis.call('HLEN', pop) + counted
  if counted == 0 then return n end
  if counted <= EXACT then
    local names = redis.call('ZRANGE', counted_key, 0, -1)
    if #names == 0 then return n end
    for _, here in ipairs(redis.call('HMGET', pop, unpack(names))) do
      if here then n = n - 1 end
    end
    return n
  end
  if redis.call('HEXISTS', pop, op.member) == 1 then n = n - 1 end
  return n
end

-- SILENCES caches, per silences key, the silences that have not ended by
-- the earliest time this script works at (SINCE; fire.lua may lower it):
-- {id, ends, matchers}, read once per script, however many alerts it checks.
local SILENCES = {}
local SINCE = NOW

local function active_silences()
  local cached = SILENCES[SIL_ENDS]
  if cached then return cached end
  cached = {}
  local flat = redis.call('ZRANGEBYSCORE', SIL_ENDS, '(' .. ms(SINCE), '+inf', 'WITHSCORES')
  for i = 1, #flat, 2 do
    local raw = redis.call('HGET', SIL, flat[i])
    if raw then
      cached[#cached + 1] = {flat[i], tonumber(flat[i + 1]), cjson.decode(raw).matchers}
    end
  end
  SILENCES[SIL_ENDS] = cached
  return cached
end

-- silenced returns the id of an active silence whose matchers all equal the
-- alert's labels, and counts the mute against it.
local function silenced(labels)
  for _, s in ipairs(active_silences()) do
    if s[2] > NOW then
      local all = true
      for k, v in pairs(s[3]) do
        if labels[k] ~= v then all = false break end
      end
      if all then
        redis.call('HINCRBY', SIL_MUTED, s[1], 1)
        if redis.call('PTTL', SIL_MUTED) < 0 then
          redis.call('PEXPIRE', SIL_MUTED, math.max(redis.call('PTTL', SIL), 1000))
        end
        return s[1]
      end
    end
  end
  return nil
end

local function mark(sources)
  for _, s in ipairs(sources or {}) do
    local v = redis.call('GET', s.key)
    if not v or tonumber(v) < NOW + s.hold then
      redis.call('SET', s.key, ms(NOW + s.hold), 'PX', ms(s.hold))
    end
  end
end

local function inhibited(targets)
  for _, t in ipairs(targets or {}) do
    local v = redis.call('GET', t)
    if v and tonumber(v) > NOW then return true end
  end
  return false
end

-- claim takes the dedup key for window ms unless it is held.
local function claim(k, window)
  local v = redis.call('GET', k)
  if v and tonumber(v) > NOW then return false end
  redis.call('SET', k, ms(NOW + window), 'PX', ms(window))
  return true
end

local function schedule(member, at)
  redis.call('ZADD', DUE, ms(at), member)
  -- Always: a clear earlier in this script may have emptied, so deleted, it.
  redis.call('PEXPIRE', DUE, DUE_TTL)
end

-- group_add adds members ({name, n, detail} triples) and count events to
-- the alert's group. A new group flushes after its wait; an idle one at its
-- next interval. why (flat name, value pairs: what a threshold counted when
-- it crossed) goes out with the group's first page.
local function group_add(op, members, count, why)
  local g = op.group
  local gk, nk, ak = op.k.grp, op.k.grp_new, op.k.grp_all
  local meta = redis.call('HMGET', gk, 'expires', 'scheduled', 'last')
  if not meta[1] or tonumber(meta[1]) <= NOW then
    redis.call('DEL', gk, nk, ak)
    redis.call('HSET', gk, 'n', op.n, 'r', cjson.encode(op.r), 'seq', '0', 'scheduled', '1',
      'rule', op.rule, 'interval', ms(g.interval), 'last', ms(NOW))
    schedule(TIMER_GROUP .. g.id, NOW + g.wait)
  elseif meta[2] == '0' then
    local at = tonumber(meta[3]) + g.interval
    if at < NOW then at = NOW end
    redis.call('HSET', gk, 'scheduled', '1')
    schedule(TIMER_GROUP .. g.id, at)
  end
  local details = {}
  for _, m in ipairs(members) do
    if redis.call('HEXISTS', ak, m[1]) == 1 or redis.call('HLEN', ak) < MEMBER_CAP then
      redis.call('HINCRBY', ak, m[1], m[2])
      redis.call('HINCRBY', nk, m[1], m[2])
      if m[3] then
        details[#details + 1] = 'd|' .. m[1]
        details[#details + 1] = m[3]
      end
    else
      redis.call('HINCRBY', gk, 'overflow', 1)
    end
  end
  if #details > 0 then redis.call('HSET', gk, unpack(details)) end
  if why then redis.call('HSET', gk, 'why', cjson.encode(why)) end
  redis.call('HINCRBY', gk, 'new', count)
  redis.call('HINCRBY', gk, 'total', count)
  redis.call('HSET', gk, 'expires', ms(NOW + g.hold))
  local ttl = ms(g.hold + g.interval + 60000)
  for _, k in ipairs({gk, nk, ak}) do redis.call('PEXPIRE', k, ttl) end
end

-- deliver decides an alert's fate: silenced, inhibited, duplicate (when
-- dedup), grouped, or paged. members/count describe what it stands for; nil
-- members means one plain event. why (flat name, value pairs) are the
-- numbers a threshold counted, added to its page as plain fields.
local function deliver(op, members, count, dedup, why)
  mark(op.k.src)
  local sid = silenced(op.labels or {})
  if sid then return 'silenced:' .. sid end
  if inhibited(op.k.tgt) then return 'inhibited' end
  if op.group then
    group_add(op, members or {{op.member, 1, op.detail}}, count, why)
    return 'grouped'
  end
  if dedup and not claim(op.k.dedup, op.window) then return 'duplicate' end
  if members then
    local extra = member_fields(members)
    extra[#extra + 1] = 'count'
    extra[#extra + 1] = ms(count)
    for _, v in ipairs(why or {}) do extra[#extra + 1] = v end
    enqueue(op.n, op.r, extra)
  else
    enqueue(op.n, op.r)
  end
  return 'paged'
end
