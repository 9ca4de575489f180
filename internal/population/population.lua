-- population: who is in the rooms of one partition (internal/population).
-- The only code that changes the population keys: the counts per app stay
-- exact because every change of a room's users and of its app's count
-- happens here, in the same atomic step.
--
-- KEYS[1] rooms: sorted set "app:roomKey" -> when the room last changed
--         (the writer's clock, ms); only rooms with someone present.
-- KEYS[2] apps: hash app -> users present in this partition's rooms.
-- KEYS[3] gone: sorted set "app:roomKey" -> when the room was dismissed
--         (event time, ms).
-- KEYS[4] departed users of this period, KEYS[5] of the one before: hash
--         departed field -> record (below) and ",<left ms>".
-- KEYS[6..] rooms: hash user -> record, of the users present only (the fire
--         script reads HLEN as the room's population).
-- ARGV[1] now (ms), ARGV[2] when KEYS[4] may expire (Unix ms), ARGV[3] most
-- departed users KEYS[4] keeps, ARGV[4] most users a dismissal sorts one by
-- one; then 8 per op: kind, index of the room in KEYS, "app:roomKey", app,
-- user, event ms, record, departed field.
-- Kinds: e (103: enter), x (104: exit), d (102: dismissed), a (age out:
-- the room is cleared if it has not changed since the event ms field).
-- A record is "entered ms,role,terminal,user type" (-1: not sent).
-- Returns {ops applied, ops ignored}.
local ROOMS, APPS, GONE, L0, L1 = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local L0_EXPIRE_AT = ARGV[2]
local LEFT_CAP = tonumber(ARGV[3])
local SORT_MAX = tonumber(ARGV[4])

-- Read once: most scripts meet no dismissed room and no departed user, and
-- skip their lookups.
local HAS_GONE = redis.call('ZCARD', GONE) > 0
local HAS_LEFT = redis.call('EXISTS', L0, L1) > 0
local LEFT_N = nil -- HLEN of L0, read when first needed
local WROTE_L0 = false

local DELTA = {}   -- app -> change of its count, applied once at the end
local SEEN = {}    -- "app:roomKey" -> room key, for the rooms index
local CHANGED = {} -- "app:roomKey" -> true when its users changed

local function add(app, n)
  DELTA[app] = (DELTA[app] or 0) + n
end

local function entered(rec)
  return tonumber(string.match(rec, '^(-?%d+)'))
end

local function left_at(rec)
  return tonumber(string.match(rec, ',(-?%d+)$'))
end

-- departed is the newer record of the user's departure, or nil.
local function departed(lf)
  if not HAS_LEFT then return nil end
  local a = redis.call('HGET', L0, lf)
  local b = redis.call('HGET', L1, lf)
  if a and b then
    if left_at(b) > left_at(a) then return b end
    return a
  end
  return a or b
end

-- depart remembers a departure, within the cap: past it, a departure is
-- not remembered (the enrichment goes without, and a stale entry arriving
-- late could add the user back, until the room ends).
local function depart(lf, rec)
  if not LEFT_N then LEFT_N = redis.call('HLEN', L0) end
  if LEFT_N >= LEFT_CAP and redis.call('HEXISTS', L0, lf) == 0 then return end
  LEFT_N = LEFT_N + redis.call('HSET', L0, lf, rec)
  WROTE_L0, HAS_LEFT = true, true
end

local function forget(lf)
  redis.call('HDEL', L0, lf)
  redis.call('HDEL', L1, lf)
end

local function dismissed_since(member, t)
  if not HAS_GONE then return false end
  local d = redis.call('ZSCORE', GONE, member)
  return d ~= false and t <= tonumber(d)
end

-- enter: the user is present from t on, unless the room was dismissed at
-- or after t, or a newer entry or an exit at or after t is known.
local function enter(k, member, app, user, t, rec, lf)
  if dismissed_since(member, t) then return false end
  local cur = redis.call('HGET', k, user)
  if cur then
    if t < entered(cur) or cur == rec then return false end
    redis.call('HSET', k, user, rec) -- entered again (a reconnection)
    return true
  end
  local old = departed(lf)
  if old and t <= left_at(old) then return false end
  redis.call('HSET', k, user, rec)
  add(app, 1)
  if old then forget(lf) end
  return true
end

-- exit: the user left at t, unless they entered after t. An exit of a user
-- not present is remembered too, so that their entry, arriving late, adds
-- nothing. rec is what the exit itself says (its role).
local function exit(k, app, user, t, ts, rec, lf)
  local cur = redis.call('HGET', k, user)
  if cur then
    if t < entered(cur) then return false end
    redis.call('HDEL', k, user)
    add(app, -1)
    depart(lf, cur .. ',' .. ts)
    return true
  end
  local old = departed(lf)
  if old and t <= left_at(old) then return false end
  depart(lf, rec .. ',' .. ts)
  return true
end

-- dismiss: the room ended at t. Users who entered after t are of the next
-- room of that id (the dismissal came late) and stay; a room too large to
-- sort is cleared whole.
local function dismiss(k, member, app, t, ts)
  local d = redis.call('ZSCORE', GONE, member)
  if not d or t > tonumber(d) then
    redis.call('ZADD', GONE, ts, member)
    HAS_GONE = true
  end
  local n = redis.call('HLEN', k)
  if n == 0 then return true end
  if n > SORT_MAX then
    redis.call('UNLINK', k)
    add(app, -n)
    return true
  end
  local h = redis.call('HGETALL', k)
  local gone = {}
  for i = 1, #h, 2 do
    if entered(h[i + 1]) <= t then gone[#gone + 1] = h[i] end
  end
  if #gone == n then
    redis.call('UNLINK', k)
  elseif #gone > 0 then
    redis.call('HDEL', k, unpack(gone))
  end
  add(app, -#gone)
  return #gone > 0
end

-- age: the room has not changed since cutoff: it ended without a dismissal
-- hook saw. Its users are forgotten.
local function age(k, member, app, cutoff)
  local s = redis.call('ZSCORE', ROOMS, member)
  if not s or tonumber(s) > cutoff then return false end -- changed since it was read
  add(app, -redis.call('HLEN', k))
  redis.call('UNLINK', k)
  return true
end

local applied, ignored = 0, 0
local n = (#ARGV - 4) / 8
for i = 0, n - 1 do
  local a = 4 + i * 8
  local kind, k, member, app = ARGV[a + 1], KEYS[tonumber(ARGV[a + 2])], ARGV[a + 3], ARGV[a + 4]
  local user, ts, rec, lf = ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8]
  local t = tonumber(ts)
  local ok
  if kind == 'e' then
    ok = enter(k, member, app, user, t, rec, lf)
  elseif kind == 'x' then
    ok = exit(k, app, user, t, ts, rec, lf)
  elseif kind == 'd' then
    ok = dismiss(k, member, app, t, ts)
  elseif kind == 'a' then
    ok = age(k, member, app, t)
  else
    return redis.error_reply('population: unknown op ' .. tostring(kind))
  end
  SEEN[member] = k
  if ok then
    applied = applied + 1
    CHANGED[member] = true
  else
    ignored = ignored + 1
  end
end

for app, d in pairs(DELTA) do
  if d ~= 0 then
    if redis.call('HINCRBY', APPS, app, d) <= 0 then redis.call('HDEL', APPS, app) end
  end
end
for member, k in pairs(SEEN) do
  if redis.call('EXISTS', k) == 0 then
    redis.call('ZREM', ROOMS, member)
  elseif CHANGED[member] then
    redis.call('ZADD', ROOMS, ARGV[1], member)
  end
end
if WROTE_L0 then redis.call('PEXPIREAT', L0, L0_EXPIRE_AT) end
return {applied, ignored}
