-- fire: every alert of one or more callbacks, in one atomic step.
-- ARGV[CONST_ARGS + 1..]: one segment per callback, each its time (Unix ms), where its
-- partition's five keys start in KEYS, and how many alerts it has; then two
-- arguments per alert: its op, JSON-encoded (state.op), and its notification
-- as Go encoded it (op.n), passed on its own so that the script never
-- parses it. Returns one verdict per alert, in order.
-- Concurrent callbacks share one script (state.Batcher): the cost of running
-- a script at all is paid once for them all, and each callback's alerts are
-- decided at its own time, in its own partition, as if it ran alone.

-- MARK is kept in a relative threshold's window while it is at or above
-- what it needs (scored at its latest event there): counted entries always
-- end in "|<time>", so it is never taken for one.
local MARK = '+'

-- window_members lists the members counted in a threshold's window, each
-- {name, events, detail at its latest event}.
local function window_members(k)
  local seen, members = {}, {}
  for _, m in ipairs(redis.call('ZRANGE', k, 0, -1)) do
    local rest, detail = split_detail(m)
    local who = string.match(rest, '^(.*)|[^|]*$')
    if who then
      local i = seen[who]
      if i then
        members[i][2] = members[i][2] + 1
      else
        i = #members + 1
        members[i], seen[who] = {who, 1}, i
      end
      if detail then members[i][3] = detail end
    end
  end
  return members
end

-- threshold_share is threshold for a relative threshold: it counts distinct
-- members (op.k.mem, each at its latest event) and pages when they reach
-- op.count and op.share of the population; MARK remembers that it did, so
-- that it pages again only after falling below.
local function threshold_share(op, k, floor)
  local added = redis.call('ZADD', k, ms(op.ev), with_detail(op, op.member .. '|' .. ms(op.ev)))
  redis.call('PEXPIRE', k, ms(op.within + 60000))
  if added == 0 then return 'duplicate' end -- a redelivery: same who, same time
  local mk = op.k.mem
  redis.call('ZADD', mk, 'GT', ms(op.ev), op.member)
  redis.call('ZREMRANGEBYSCORE', mk, '-inf', '(' .. ms(floor))
  redis.call('PEXPIRE', mk, ms(op.within + 60000))
  local distinct = redis.call('ZCARD', mk)
  local above = redis.call('ZSCORE', k, MARK)
  local need, n = op.count, nil
  if distinct >= need then
    n = population(op, mk, distinct)
    need = math.max(need, share_of(op.share, n))
  end
  if distinct < need then
    if above then redis.call('ZREM', k, MARK) end
    return 'counted'
  end
  redis.call('ZADD', k, 'GT', ms(op.ev), MARK)
  if above then
    if op.group then return deliver(op, nil, 1, false) end
    mark(op.k.src)
    return 'duplicate'
  end
  local members = window_members(k)
  local events = 0
  for _, m in ipairs(members) do events = events + m[2] end
  return deliver(op, members, events, true, {'dropped', ms(#members), 'population', ms(n)})
end

-- threshold counts the event in its rule's sliding window (per key) and
-- pages when the count crosses op.count. The window ends at the newest event
-- seen, so late events count where they belong and stale ones not at all.
local function threshold(op)
  local k = op.k.win
  local newest = op.ev
  local top = redis.call('ZREVRANGE', k, 0, 0, 'WITHSCORES')
  if top[2] and tonumber(top[2]) > newest then newest = tonumber(top[2]) end
  local floor = newest - op.within
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. ms(floor))
  if op.ev < floor then return 'ignored' end
  if op.share then return threshold_share(op, k, floor) end
  local before = redis.call('ZCARD', k)
  local added = redis.call('ZADD', k, ms(op.ev), with_detail(op, op.member .. '|' .. ms(op.ev)))
  redis.call('PEXPIRE', k, ms(op.within + 60000))
  if added == 0 then return 'duplicate' end -- a redelivery: same who, same time
  local after = before + 1
  if after < op.count then return 'counted' end
  if before < op.count then
    local members = window_members(k)
    return deliver(op, members, after, true, {'dropped', ms(#members)})
  end
  -- Above the threshold already: an update for the group, else a duplicate of
  -- the page sent at the crossing. Either way the source keeps firing.
  if op.group then return deliver(op, nil, 1, false) end
  mark(op.k.src)
  return 'duplicate'
end

-- PEND caches, per pending key, what threshold_wait reads of it (state,
-- until, floor), dropped wherever this script writes that key: in a storm
-- the callbacks of one script mostly count in one app-wide wait.
local PEND = {}
local function pend_state(k)
  local h = PEND[k]
  if not h then
    h = redis.call('HMGET', k, 'state', 'until', 'floor')
    PEND[k] = h
  end
  return h
end

-- trim_window drops the members of window k older than floor; never the
-- one just added, at floor or after, so k stays (and keeps its TTL).
local function trim_window(k, floor)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. ms(floor))
end

-- note_detail keeps what Go said of a member counted away (op.detail) in
-- op.k.drops, a hash: the usual detail once (field u: in a storm nearly
-- every member's is the same, "Audience, Timeout"), and a member's own
-- (d|<member>) only where it differs, with how many members have one
-- (field dn). DROPS caches u and dn per hash for the script: in a storm a
-- batch's callbacks note their members in one app-wide hash, read once,
-- and while no member has a detail of their own nothing more is read. The
-- same hash counts who came back (r|<member>, see recover).
local DROPS = {}
local function note_detail(op, ttl)
  local dk = op.k.drops
  if not dk then return end
  local d = op.detail or ''
  local c = DROPS[dk]
  if not c then
    local h = redis.call('HMGET', dk, 'u', 'dn')
    c = {u = h[1], dn = tonumber(h[2]) or 0}
    DROPS[dk] = c
  end
  if not c.u then
    redis.call('HSET', dk, 'u', d)
    c.u = d
  elseif c.u == d then
    -- A member's own detail goes when it is the usual one again.
    if c.dn > 0 and redis.call('HDEL', dk, 'd|' .. op.member) == 1 then
      c.dn = c.dn - 1
      redis.call('HINCRBY', dk, 'dn', -1)
    end
    return
  elseif redis.call('HSET', dk, 'd|' .. op.member, d) == 1 then
    c.dn = c.dn + 1
    redis.call('HINCRBY', dk, 'dn', 1)
  end
  redis.call('PEXPIRE', dk, ttl)
end

-- threshold_wait counts who is away, each member once at its latest event.
-- When op.count are away (and, for a share of the room, that share of its
-- users) it waits op.wait for them to come back (recover takes a member
-- off), and then pages if enough are still away (tick.lua). A share of the
-- app is judged only then: the app's numbers come from a cache that may be
-- a moment behind the drops. Members' details, and who came back, are in
-- op.k.drops (note_detail, recover): the page says how many dropped as well
-- as how many are still away.
local function threshold_wait(op, raw)
  local k = op.k.win
  local ttl = ms(op.within + op.wait + 60000)
  local h = pend_state(op.k.pend)
  if h[1] and tonumber(h[2]) > NOW then
    -- The wait runs (or its page went out and holds): this member counts
    -- when it ends, when tick trims and reads the window, or at the next
    -- crossing. A storm's hot path: one ZADD (GT: a redelivery, or an
    -- event older than what is known, changes nothing), a read of the
    -- details, no trim while it waits; the wait's state is read once per
    -- script. An event
    -- older than the window at the crossing is too late (field floor; a
    -- wait opened by an older hook has none). Verdicts say ":w", the wait
    -- runs: Go sends this key's next ops slim (state.warmWaits).
    if h[3] and op.ev < tonumber(h[3]) then return 'ignored:w' end
    if redis.call('ZADD', k, 'GT', 'CH', ms(op.ev), op.member) == 0 then return 'duplicate:w' end
    note_detail(op, ttl)
    -- While the wait runs its window keeps the TTL it got at the crossing
    -- (longer than the wait); one that recoveries emptied, deleted, and
    -- this ZADD made again gets its TTL when the wait ends (tick.lua).
    if h[1] == 'pending' then return 'pending:w' end
    -- The page holds (for its dedup window, minutes): the window is
    -- trimmed as it goes, so that it holds a window's drops, not all of
    -- them since the page (a trim that finds nothing costs little), and
    -- its TTL kept up.
    refresh(k, ttl)
    trim_window(k, op.ev - op.within)
    if op.group then return deliver(op, nil, 1, false) end
    mark(op.k.src)
    return 'duplicate:w'
  end
  -- A slim op (no notification, receivers or labels: Go took the wait to
  -- run) cannot open one: Go sends it again whole. Nothing was written.
  if op.slim then return 'retry' end
  local newest = op.ev
  local top = redis.call('ZREVRANGE', k, 0, 0, 'WITHSCORES')
  if top[2] and tonumber(top[2]) > newest then newest = tonumber(top[2]) end
  local floor = newest - op.within
  if op.ev < floor then return 'ignored' end
  if redis.call('ZADD', k, 'GT', 'CH', ms(op.ev), op.member) == 0 then return 'duplicate' end
  note_detail(op, ttl)
  trim_window(k, floor)
  refresh(k, ttl)
  local away = redis.call('ZCARD', k)
  if away < op.count then return 'counted' end
  local n -- a room's population, kept with the wait (field pop, see tick.lua)
  if op.share and op.k.pop then
    n = population(op, k, away)
    if away < share_of(op.share, n) then return 'counted' end
  end
  redis.call('DEL', op.k.pend)
  PEND[op.k.pend] = nil
  local fields = {'state', 'pending', 'op', raw, 'n', op.n, 'until', ms(NOW + op.wait + op.window), 'floor', ms(floor)}
  if n then
    fields[#fields + 1], fields[#fields + 2] = 'pop', ms(n)
  end
  redis.call('HSET', op.k.pend, unpack(fields))
  redis.call('PEXPIRE', op.k.pend, ms(op.wait + op.window + 60000))
  schedule(TIMER_WAIT .. op.k.pend, NOW + op.wait)
  return 'pending:w' -- the wait runs from now: the next ops may go slim
end

-- rearm_state reads a threshold's rearm key: "<counted>:<rearmed>", the
-- time of the event it last counted and of the newest rearm event since,
-- either possibly empty.
local function rearm_state(op)
  local v = redis.call('GET', op.k.arm)
  if not v then return nil, nil end
  local c, r = string.match(v, '^(%-?%d*):(%-?%d*)$')
  return tonumber(c), tonumber(r)
end

-- armed reports whether a threshold with rearm counts this event: nothing
-- was counted for its key yet, or a rearm event came after what was
-- counted and this event is no older than that rearm (a late repeat of the
-- episode already counted does not count again).
local function armed(op)
  local c, r = rearm_state(op)
  if not c then return true end
  return r ~= nil and r >= c and op.ev >= r
end

-- disarm records the event just counted; the rearm that allowed it is
-- spent (kept, a rearm in the counted event's very millisecond would allow
-- every later repeat of the episode).
local function disarm(op)
  redis.call('SET', op.k.arm, ms(op.ev) .. ':', 'PX', ms(op.within + 60000))
end

-- rearm records an event that ends an episode of a threshold with rearm
-- (a relay RUNNING again): its key's next matching event counts again.
local function rearm(op)
  local c, r = rearm_state(op)
  if not c and not r then return 'ignored' end -- nothing counted: nothing to rearm
  if r and r >= op.ev then return 'ignored' end
  local v = ':' .. ms(op.ev)
  if c then v = ms(c) .. v end
  redis.call('SET', op.k.arm, v, 'PX', ms(op.within + 60000))
  if c and op.ev >= c then return 'cleared' end
  return 'ignored'
end

-- recover takes a member that came back off a waiting threshold, unless it
-- left again after this return. Who came back is counted in op.k.drops
-- (r|<member>: when they had left), for the page's number of dropped (a
-- recovery op from an older hook names no such key).
local function recover(op)
  local s = redis.call('ZSCORE', op.k.win, op.member)
  if not s or tonumber(s) > op.ev then return 'ignored' end
  redis.call('ZREM', op.k.win, op.member)
  TOUCHED[op.k.win] = nil -- that may have been its last member, deleting it
  if op.k.drops then
    redis.call('HSET', op.k.drops, 'r|' .. op.member, s)
    redis.call('PEXPIRE', op.k.drops, ms(op.within + op.wait + 60000))
  end
  return 'cleared'
end

-- pending opens a timer that pages at event time + for, unless a clearing
-- event newer than this one is known (it came first, out of order).
local function pending(op, raw)
  local k = op.k.pend
  local c = redis.call('GET', op.k.clr)
  if c and tonumber(c) >= op.ev then return 'ignored' end
  local held = redis.call('HGET', k, 'until')
  if held and tonumber(held) > NOW then return 'duplicate' end
  local due = op.ev + op.wait
  if due < NOW then due = NOW end
  redis.call('DEL', k)
  PEND[k] = nil
  redis.call('HSET', k, 'ev', ms(op.ev), 'state', 'pending', 'op', raw, 'n', op.n, 'until', ms(due + op.window))
  redis.call('PEXPIRE', k, ms(due - NOW + op.window + 60000))
  schedule(TIMER_PENDING .. k, due)
  return 'pending'
end

-- clear records the clearing event and cancels the pending alert it clears,
-- or resolves the page that alert sent. A clearing event older than the
-- alert's (a late enter for an earlier visit) clears nothing.
local function clear(op)
  -- Events mostly come in order: set, and put back a newer one found there.
  local prev = redis.call('SET', op.k.clr, ms(op.ev), 'PX', ms(op.window), 'GET')
  if prev and tonumber(prev) > op.ev then
    redis.call('SET', op.k.clr, prev, 'PX', ms(op.window))
  end
  local k = op.k.pend
  local h = redis.call('HMGET', k, 'ev', 'state', 'op', 'until', 'n')
  if not h[1] or tonumber(h[4]) <= NOW then return 'ignored' end
  if tonumber(h[1]) > op.ev then return 'ignored' end
  redis.call('DEL', k)
  PEND[k] = nil
  if h[2] == 'pending' then
    redis.call('ZREM', DUE, TIMER_PENDING .. k)
    return 'cleared'
  end
  if h[2] == 'paged' then
    local orig = cjson.decode(h[3])
    enqueue(orig.n or h[5], orig.r, {'kind', 'resolved', 'by', op.n})
    return 'resolved'
  end
  return 'cleared' -- it was silenced or inhibited: nothing to resolve
end

-- Every op is decoded and checked before anything is written: a script
-- that fails the check changes nothing.
local segs = {}
local i = CONST_ARGS + 1
while i <= #ARGV do
  local seg = {now = tonumber(ARGV[i]), base = tonumber(ARGV[i + 1]), ops = {}, raws = {}}
  local n = tonumber(ARGV[i + 2])
  i = i + 3
  if not seg.now or not seg.base or not n or n < 0 or i + 2 * n - 1 > #ARGV then
    return redis.error_reply('hook: malformed fire arguments')
  end
  for j = 1, n do
    local op = cjson.decode(ARGV[i])
    if not declared(op) then
      return redis.error_reply('hook: an op names a key not passed in KEYS')
    end
    op.n = ARGV[i + 1]
    seg.ops[j], seg.raws[j] = op, ARGV[i]
    i = i + 2
  end
  if seg.now < SINCE then SINCE = seg.now end
  segs[#segs + 1] = seg
end

local out = {}
for _, seg in ipairs(segs) do
  NOW = seg.now
  use_part(seg.base)
  for j, op in ipairs(seg.ops) do
    local v
    if op.op == 'threshold' then
      if op.k.arm and not armed(op) then
        v = 'duplicate' -- counted once already in this episode
      else
        if op.wait then
          v = threshold_wait(op, seg.raws[j])
        else
          v = threshold(op)
        end
        if op.k.arm and v ~= 'ignored' and v ~= 'retry' then disarm(op) end
      end
    elseif op.op == 'rearm' then
      v = rearm(op)
    elseif op.op == 'recover' then
      v = recover(op)
    elseif op.op == 'pending' then
      v = pending(op, seg.raws[j])
    elseif op.op == 'clear' then
      v = clear(op)
    else
      v = deliver(op, nil, 1, true)
    end
    out[#out + 1] = v
  end
end
return out
