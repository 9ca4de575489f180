-- tick: fire timers due at NOW, at most ARGV[4] of them. Each is claimed by
-- ZREM inside this script, so exactly one replica fires it.
-- Returns flat triples: rule, timer ("pending" or "group"), verdict.

local function fire_pending(rest)
  local k = P .. ':pend:' .. rest
  local h = redis.call('HMGET', k, 'state', 'op')
  if h[1] ~= 'pending' then return nil end
  local op = cjson.decode(h[2])
  local v = deliver(op, nil, 1, false, true)
  local state = v
  if v == 'paged' or v == 'grouped' then state = 'paged' end
  redis.call('HSET', k, 'state', state, 'until', ms(NOW + op.window))
  redis.call('PEXPIRE', k, ms(op.window + 60000))
  return {op.rule, 'pending', v}
end

local function flush_group(id)
  local gk = P .. ':grp:' .. id
  local nk, ak = gk .. ':new', gk .. ':all'
  local m = redis.call('HMGET', gk, 'pages', 'seq', 'new', 'total', 'label', 'overflow', 'interval', 'rule')
  if not m[1] then return nil end
  local newc = tonumber(m[3] or '0')
  if newc == 0 then
    redis.call('HSET', gk, 'scheduled', '0')
    return {m[8], 'group', 'idle'}
  end
  local seq = tonumber(m[2])
  local members = {}
  local flat = redis.call('HGETALL', nk)
  for i = 1, #flat, 2 do members[#members + 1] = {flat[i], tonumber(flat[i + 1])} end
  local label = m[5]
  local c = {count = newc, id = '-g' .. ms(seq)}
  if seq == 0 then
    c.fields = {{name = label .. ' (' .. ms(#members) .. ')', value = list(members, tonumber(m[6] or '0'))}}
  else
    c.title_prefix = 'Update: '
    c.fields = {
      {name = 'New ' .. string.lower(label) .. ' (' .. ms(#members) .. ')', value = list(members, tonumber(m[6] or '0'))},
      {name = 'Total so far', value = m[4] .. ' events, ' .. ms(redis.call('HLEN', ak)) .. ' ' .. string.lower(label)},
    }
  end
  enqueue(compose(cjson.decode(m[1]), c))
  redis.call('DEL', nk)
  redis.call('HSET', gk, 'seq', ms(seq + 1), 'new', '0', 'overflow', '0', 'last', ms(NOW), 'scheduled', '1')
  schedule('g|' .. id, NOW + tonumber(m[7]))
  if seq == 0 then return {m[8], 'group', 'paged'} end
  return {m[8], 'group', 'updated'}
end

local out = {}
local due = redis.call('ZRANGEBYSCORE', DUE, '-inf', ms(NOW), 'LIMIT', 0, tonumber(ARGV[4]))
for _, member in ipairs(due) do
  if redis.call('ZREM', DUE, member) == 1 then
    local kind, rest = string.sub(member, 1, 1), string.sub(member, 3)
    local r
    if kind == 'p' then r = fire_pending(rest) else r = flush_group(rest) end
    if r then
      for _, x in ipairs(r) do out[#out + 1] = x end
    end
  end
end
return out
