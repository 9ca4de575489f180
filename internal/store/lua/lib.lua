-- Shared by fire.lua and tick.lua: what happens to an alert that fires.
-- ARGV[1] key prefix ("{hook}"), ARGV[2] now (Unix ms, the caller's clock, so
-- tests and rehearsals can inject time), ARGV[3] now as RFC 3339.
-- Every key starts with the prefix's hash tag: one slot on Redis Cluster.
-- Times in state are compared with NOW, never with key expiry, so behaviour
-- does not depend on the server's clock; TTLs only bound memory.
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local NOWTXT = ARGV[3]
local OUTBOX = P .. ':outbox'
local DUE = P .. ':due'
local SIL = P .. ':silences'
local SIL_ENDS = P .. ':silences:ends'
local SIL_MUTED = P .. ':silences:muted'
local OUTBOX_TTL = 7 * 24 * 3600 * 1000 -- store.OutboxTTL
local DUE_TTL = 2 * 24 * 3600 * 1000
local LIST_CAP = 20     -- names listed on one page
local MEMBER_CAP = 500  -- distinct names remembered per group

local function ms(n) return string.format('%.0f', n) end

local function enqueue(pages)
  for _, p in ipairs(pages) do
    redis.call('XADD', OUTBOX, '*', 'page', p)
  end
  if #pages > 0 then redis.call('PEXPIRE', OUTBOX, OUTBOX_TTL) end
end

-- list renders members ({name, n} pairs) as "u1 (3), u2, ... and 12 more".
local function list(members, overflow)
  table.sort(members, function(a, b)
    if a[2] ~= b[2] then return a[2] > b[2] end
    return a[1] < b[1]
  end)
  local parts = {}
  for i, m in ipairs(members) do
    if i > LIST_CAP then break end
    local name = m[1]
    if name == '' then name = '(none)' end
    if m[2] > 1 then name = name .. ' (' .. ms(m[2]) .. ')' end
    parts[#parts + 1] = name
  end
  local more = #members - #parts + (overflow or 0)
  local s = table.concat(parts, ', ')
  if more > 0 then s = s .. ' and ' .. ms(more) .. ' more' end
  return s
end

-- compose rewrites encoded pages: c.id suffix, c.kind, c.title_prefix, c.text,
-- c.count and extra c.fields. created_at is always now: the page is new.
local function compose(pages, c)
  local out = {}
  for _, raw in ipairs(pages) do
    local p = cjson.decode(raw)
    if c.id then p.id = p.id .. c.id end
    if c.kind then p.kind = c.kind end
    if c.title_prefix then p.title = c.title_prefix .. (p.title or '') end
    if c.text then p.text = c.text end
    if c.count then p.count = c.count end
    if c.fields and #c.fields > 0 then
      local fs = {}
      if type(p.fields) == 'table' then fs = p.fields end
      for _, f in ipairs(c.fields) do fs[#fs + 1] = f end
      p.fields = fs
    end
    p.created_at = NOWTXT
    out[#out + 1] = cjson.encode(p)
  end
  return out
end

-- silenced returns the id of an active silence whose matchers all equal the
-- alert's labels, and counts the mute against it.
local function silenced(labels)
  local ids = redis.call('ZRANGEBYSCORE', SIL_ENDS, '(' .. ms(NOW), '+inf')
  for _, id in ipairs(ids) do
    local raw = redis.call('HGET', SIL, id)
    if raw then
      local s = cjson.decode(raw)
      local all = true
      for k, v in pairs(s.matchers) do
        if labels[k] ~= v then all = false break end
      end
      if all then
        redis.call('HINCRBY', SIL_MUTED, id, 1)
        if redis.call('PTTL', SIL_MUTED) < 0 then
          redis.call('PEXPIRE', SIL_MUTED, math.max(redis.call('PTTL', SIL), 1000))
        end
        return id
      end
    end
  end
  return nil
end

local function mark(sources)
  for _, s in ipairs(sources or {}) do
    local k = P .. ':inh:' .. s.key
    local v = redis.call('GET', k)
    if not v or tonumber(v) < NOW + s.hold then
      redis.call('SET', k, ms(NOW + s.hold), 'PX', ms(s.hold))
    end
  end
end

local function inhibited(targets)
  for _, t in ipairs(targets or {}) do
    local v = redis.call('GET', P .. ':inh:' .. t)
    if v and tonumber(v) > NOW then return true end
  end
  return false
end

-- claim takes the dedup key for window ms unless it is held.
local function claim(key, window)
  local k = P .. ':dedup:' .. key
  local v = redis.call('GET', k)
  if v and tonumber(v) > NOW then return false end
  redis.call('SET', k, ms(NOW + window), 'PX', ms(window))
  return true
end

local function schedule(member, at)
  redis.call('ZADD', DUE, ms(at), member)
  redis.call('PEXPIRE', DUE, DUE_TTL)
end

-- group_add adds members ({name, n} pairs) and count events to the alert's
-- group. A new group flushes after its wait; an idle one at its next interval.
local function group_add(op, members, count)
  local g = op.group
  local gk = P .. ':grp:' .. g.id
  local nk, ak = gk .. ':new', gk .. ':all'
  local meta = redis.call('HMGET', gk, 'expires', 'scheduled', 'last')
  if not meta[1] or tonumber(meta[1]) <= NOW then
    redis.call('DEL', gk, nk, ak)
    redis.call('HSET', gk, 'pages', cjson.encode(op.pages), 'seq', '0', 'scheduled', '1',
      'rule', op.rule, 'label', op.label, 'interval', ms(g.interval), 'last', ms(NOW))
    schedule('g|' .. g.id, NOW + g.wait)
  elseif meta[2] == '0' then
    local at = tonumber(meta[3]) + g.interval
    if at < NOW then at = NOW end
    redis.call('HSET', gk, 'scheduled', '1')
    schedule('g|' .. g.id, at)
  end
  for _, m in ipairs(members) do
    if redis.call('HEXISTS', ak, m[1]) == 1 or redis.call('HLEN', ak) < MEMBER_CAP then
      redis.call('HINCRBY', ak, m[1], m[2])
      redis.call('HINCRBY', nk, m[1], m[2])
    else
      redis.call('HINCRBY', gk, 'overflow', 1)
    end
  end
  redis.call('HINCRBY', gk, 'new', count)
  redis.call('HINCRBY', gk, 'total', count)
  redis.call('HSET', gk, 'expires', ms(NOW + g.hold))
  local ttl = ms(g.hold + g.interval + 60000)
  for _, k in ipairs({gk, nk, ak}) do redis.call('PEXPIRE', k, ttl) end
end

-- deliver decides an alert's fate: silenced, inhibited, duplicate (when
-- dedup), grouped, or paged. members/count describe what it stands for; nil
-- members means one plain event, whose pages go out as rendered (unless
-- restamp: they were rendered a while ago).
local function deliver(op, members, count, dedup, restamp)
  mark(op.src)
  local sid = silenced(op.labels or {})
  if sid then return 'silenced:' .. sid end
  if inhibited(op.tgt) then return 'inhibited' end
  if op.group then
    group_add(op, members or {{op.member, 1}}, count)
    return 'grouped'
  end
  if dedup and not claim(op.dedup, op.window) then return 'duplicate' end
  if members then
    local fields = {{name = op.label .. ' (' .. ms(#members) .. ')', value = list(members)}}
    enqueue(compose(op.pages, {count = count, fields = fields}))
  elseif restamp then
    enqueue(compose(op.pages, {}))
  else
    enqueue(op.pages)
  end
  return 'paged'
end

local function pending_key(op) return P .. ':pend:' .. op.rule .. ':' .. op.key end
