-- tick: fire one due timer: after the CONST_ARGS, the timer (a member of
-- the due set), its kind's prefix and its subject, as Go parsed them
-- (TIMER_PENDING and a pending key, TIMER_WAIT and the pending key of a
-- threshold waiting for recovery, or TIMER_GROUP and a group id); then,
-- when given, the present users of the app an app-relative threshold is about.
-- It is claimed by ZREM inside this script, so exactly one replica fires it.
-- KEYS[6..]: the timer's keys (the pending alert and every key its op names,
-- or the group's three). Returns {rule, timer, verdict}, {} when another
-- replica fired it first, or {'', '', 'retry'} when the op's keys changed
-- since the caller read them (it will be read again at the next tick).

-- pending_op is a pending alert's op with its notification: kept beside it
-- (field n) since notifications stopped being passed inside ops, inside it
-- before.
local function pending_op(h)
  local op = cjson.decode(h[2])
  if h[3] then op.n = h[3] end
  return op
end

local function fire_pending(k)
  local h = redis.call('HMGET', k, 'state', 'op', 'n')
  if h[1] ~= 'pending' then return nil end
  local op = pending_op(h)
  if not op.k then
    -- Opened by a hook from before notifications were typed: its pages
    -- were rendered then and go out as they are. Legacy: removed in the
    -- next release, with outbox/legacy.go.
    for _, p in ipairs(op.pages or {}) do redis.call('XADD', OUTBOX, '*', 'page', p) end
    redis.call('DEL', k)
    return {op.rule, 'pending', 'paged'}
  end
  local v = deliver(op, nil, 1, false)
  local state = v
  if v == 'paged' or v == 'grouped' then state = 'paged' end
  redis.call('HSET', k, 'state', state, 'until', ms(NOW + op.window))
  redis.call('PEXPIRE', k, ms(op.window + 60000))
  return {op.rule, 'pending', v}
end

-- PRESENT is the app's present users, as Go knew them when it read the
-- timer: an app-relative threshold judges its share with it.
local PRESENT = tonumber(ARGV[CONST_ARGS + 4])

-- dropped_details reads a threshold's op.k.drops (see fire.lua's
-- note_detail and recover) for the members still away: each one's detail
-- (false: none), and how many came back since floor. Entries of those who
-- came back before floor are forgotten.
local function dropped_details(drop, away, floor)
  local details, here, usual, back, stale = {}, {}, nil, 0, {}
  for _, m in ipairs(away) do here[m] = true end
  local own = {}
  local flat = redis.call('HGETALL', drop)
  for i = 1, #flat, 2 do
    local f, v = flat[i], flat[i + 1]
    local kind, who = string.sub(f, 1, 2), string.sub(f, 3)
    if f == 'u' then
      usual = v
    elseif kind == 'd|' then
      own[who] = v
    elseif kind == 'r|' then
      if tonumber(v) < floor then
        stale[#stale + 1] = f
      elseif not here[who] then
        back = back + 1
      end
    end
  end
  for i = 1, #stale, 1000 do
    redis.call('HDEL', drop, unpack(stale, i, math.min(i + 999, #stale)))
  end
  for _, m in ipairs(away) do
    local d = own[m] or usual
    details[m] = d ~= nil and d ~= '' and d
  end
  return details, back
end

-- dropped_zset is dropped_details for the op of a wait an older hook opened:
-- its op.k.drop, a sorted set of every member counted, with its detail, by
-- when.
local function dropped_zset(drop, away, floor)
  redis.call('ZREMRANGEBYSCORE', drop, '-inf', '(' .. ms(floor))
  local details, seen = {}, 0
  for _, m in ipairs(redis.call('ZRANGE', drop, 0, -1)) do
    local who, detail = split_detail(m)
    if details[who] == nil then seen = seen + 1 end
    details[who] = detail or false
  end
  return details, math.max(seen, #away) - #away
end

-- fire_threshold ends a threshold's wait for recovery: it pages if enough
-- members are still away (op.count, and op.share of the population now, or
-- when the wait opened if that was larger),
-- listing them, else forgets the wait. The page says how many dropped in
-- the window (those away and those who came back, op.k.drops), how many are
-- still away, and the population the share was of.
local function fire_threshold(k)
  local h = redis.call('HMGET', k, 'state', 'op', 'n', 'pop')
  if h[1] ~= 'pending' then return nil end
  local op = pending_op(h)
  local floor = NOW - op.within - op.wait
  local ttl = ms(op.within + op.wait + 60000)
  redis.call('ZREMRANGEBYSCORE', op.k.win, '-inf', '(' .. ms(floor))
  -- The wait's hot path leaves the window's TTL alone (fire.lua): one
  -- made again after every member came back has none until now.
  redis.call('PEXPIRE', op.k.win, ttl)
  local away = redis.call('ZRANGE', op.k.win, 0, -1)
  local need, n = op.count, nil
  if op.share then
    local opened = op.present -- an app's present users as Go knew them when the wait opened
    if PRESENT and not op.k.pop then op.present = PRESENT end
    n = population(op, op.k.win, #away)
    -- The share is of the users there when the wait opened, at least:
    -- users leaving normally during the wait, or their room's end (102,
    -- which empties its population; TRTC sends it once the last user is
    -- gone, and a call's partner hangs up when the other drops), do not
    -- shrink it. Else a room where most came back and the rest went home
    -- would page for the few still away, and a page would say "30 of 30".
    -- A room's count then is exact (pop, fire.lua); an app's, Go's cache
    -- then, counts its users before the drops at most.
    if h[4] then n = math.max(n, tonumber(h[4])) end
    if not op.k.pop and opened then n = math.max(n, opened) end
    need = math.max(need, share_of(op.share, n))
  end
  if #away < need then
    redis.call('DEL', k)
    return {op.rule, 'threshold', 'cleared'}
  end
  local details, back = {}, 0
  if op.k.drops then
    details, back = dropped_details(op.k.drops, away, floor)
    redis.call('PEXPIRE', op.k.drops, ttl)
  elseif op.k.drop then
    details, back = dropped_zset(op.k.drop, away, floor)
    redis.call('PEXPIRE', op.k.drop, ttl)
  end
  local members = {}
  for i, m in ipairs(away) do members[i] = {m, 1, details[m] or nil} end
  local why = {'dropped', ms(#away + back), 'away', ms(#away)}
  if n then
    why[#why + 1] = 'population'
    why[#why + 1] = ms(n)
  end
  local v = deliver(op, members, #away, true, why)
  local state = 'done'
  if v == 'paged' or v == 'grouped' then state = 'paged' end
  redis.call('HSET', k, 'state', state, 'until', ms(NOW + op.window))
  redis.call('PEXPIRE', k, ms(op.window + 60000))
  return {op.rule, 'threshold', v}
end

local function flush_group(id, gk, nk, ak)
  local m = redis.call('HMGET', gk, 'n', 'r', 'seq', 'new', 'total', 'overflow', 'interval', 'rule')
  if not m[1] then return nil end
  local newc = tonumber(m[4] or '0')
  if newc == 0 then
    redis.call('HSET', gk, 'scheduled', '0')
    return {m[8], 'group', 'idle'}
  end
  local seq = tonumber(m[3])
  local members = {}
  local flat = redis.call('HGETALL', nk)
  for i = 1, #flat, 2 do members[#members + 1] = {flat[i], tonumber(flat[i + 1])} end
  local extra = member_fields(members, tonumber(m[6] or '0'), gk)
  for _, v in ipairs({'count', ms(newc), 'flush', ms(seq + 1)}) do extra[#extra + 1] = v end
  if seq == 0 then
    -- A threshold's numbers at its crossing go out with its first page.
    local why = redis.call('HGET', gk, 'why')
    if why then
      for _, v in ipairs(cjson.decode(why)) do extra[#extra + 1] = v end
    end
  end
  if seq > 0 then
    for _, v in ipairs({'kind', 'update', 'total', m[5], 'total_members', ms(redis.call('HLEN', ak))}) do
      extra[#extra + 1] = v
    end
  end
  enqueue(m[1], cjson.decode(m[2]), extra)
  redis.call('DEL', nk)
  redis.call('HSET', gk, 'seq', ms(seq + 1), 'new', '0', 'overflow', '0', 'last', ms(NOW), 'scheduled', '1')
  schedule(TIMER_GROUP .. id, NOW + tonumber(m[7]))
  if seq == 0 then return {m[8], 'group', 'paged'} end
  return {m[8], 'group', 'updated'}
end

local member, kind, rest = ARGV[CONST_ARGS + 1], ARGV[CONST_ARGS + 2], ARGV[CONST_ARGS + 3]
if kind == TIMER_PENDING or kind == TIMER_WAIT then
  if not DECLARED[rest] then return {'', '', 'retry'} end
  local raw = redis.call('HGET', rest, 'op')
  if raw and not declared(cjson.decode(raw)) then return {'', '', 'retry'} end
end
if redis.call('ZREM', DUE, member) == 0 then return {} end
local r
if kind == TIMER_PENDING then
  r = fire_pending(rest)
elseif kind == TIMER_WAIT then
  r = fire_threshold(rest)
else
  r = flush_group(rest, KEYS[6], KEYS[7], KEYS[8])
end
return r or {}
