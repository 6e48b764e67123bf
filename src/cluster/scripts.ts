/**
 * Lua scripts of the Redis counters: one atomic EVALSHA per decision, clock = Redis TIME (so every
 * instance agrees, whatever their own clocks say). Each mirrors the memory implementation: gcra.ts,
 * calendar.ts, memory-counters.ts.
 */

/**
 * GCRA over several limits. KEYS[i] holds limit i's theoretical arrival time (ms, Redis clock).
 * ARGV[1] = "1" to consume, "0" to peek; ARGV[2i], ARGV[2i+1] = emission interval T and capacity D (ms).
 * Returns {denied (1-based, 0 = allowed), remaining_1, wait_ms_1, remaining_2, …}.
 */
export const RATE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local consume = ARGV[1] == '1'
local n = #KEYS
local tats = {}
local denied = 0
for i = 1, n do
  local T = tonumber(ARGV[2 * i])
  local D = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if tat == nil or tat < now then tat = now end
  tats[i] = tat
  if denied == 0 and tat + T - now > D + 1e-6 then denied = i end
end
local out = {denied}
for i = 1, n do
  local T = tonumber(ARGV[2 * i])
  local D = tonumber(ARGV[2 * i + 1])
  local debt = tats[i] - now
  local free = D - debt
  if denied == 0 then free = free - T end
  local remaining = 0
  if free > 0 then remaining = math.floor(free / T + 1e-6) end
  local wait = (remaining + 1) * T - free
  if wait < 0 then wait = 0 end
  out[2 * i] = remaining
  out[2 * i + 1] = math.ceil(wait)
  if denied == 0 and consume then
    redis.call('SET', KEYS[i], string.format('%.3f', tats[i] + T), 'PX', math.ceil(debt + T) + 1)
  end
end
return out
`;

/** UTC calendar periods (mirrors calendar.ts): `bounds(now_ms, period)` returns start, end (ms). */
export const CALENDAR_LUA = `
local DAY = 86400000
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m + 9
  if m > 2 then mp = m - 3 end
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end
local function bounds(now, period)
  local days = math.floor(now / DAY)
  if period == 'day' then return days * DAY, (days + 1) * DAY end
  if period == 'week' then
    local monday = days - ((days + 3) % 7)
    return monday * DAY, (monday + 7) * DAY
  end
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp - 9
  if mp < 10 then m = mp + 3 end
  if m <= 2 then y = y + 1 end
  local ny, nm = y, m + 1
  if nm > 12 then ny, nm = y + 1, 1 end
  return days_from_civil(y, m, 1) * DAY, days_from_civil(ny, nm, 1) * DAY
end
`;

/**
 * Calendar quotas. KEYS[i] is a hash {p = period start, n = count} of quota i.
 * ARGV[1] = "1" to consume, "0" to peek; ARGV[2i] = limit, ARGV[2i+1] = day | week | month (UTC).
 * Returns {denied (1-based, 0 = allowed), now_ms, used_1, end_ms_1, used_2, end_ms_2, …}.
 */
export const QUOTA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
${CALENDAR_LUA}
local consume = ARGV[1] == '1'
local n = #KEYS
local used, starts, ends = {}, {}, {}
local denied = 0
for i = 1, n do
  local limit = tonumber(ARGV[2 * i])
  local s, e = bounds(now, ARGV[2 * i + 1])
  starts[i], ends[i] = s, e
  local v = redis.call('HMGET', KEYS[i], 'p', 'n')
  local u = 0
  if tonumber(v[1]) == s then u = tonumber(v[2]) or 0 end
  used[i] = u
  if denied == 0 and u + 1 > limit then denied = i end
end
local out = {denied, now}
for i = 1, n do
  local u = used[i]
  if denied == 0 then
    u = u + 1
    if consume then
      redis.call('HSET', KEYS[i], 'p', string.format('%d', starts[i]), 'n', u)
      redis.call('PEXPIREAT', KEYS[i], string.format('%d', ends[i] + 60000))
    end
  end
  out[#out + 1] = u
  out[#out + 1] = ends[i]
end
return out
`;

/**
 * Concurrency slots as a sorted set of leases (member = slot id, score = lease end, Redis clock):
 * a holder that vanished without releasing frees its slot when the lease ends.
 * KEYS[1] = the set; ARGV = consume ("1"/"0"), limit, lease ms, slot id. Returns {allowed 1/0, in flight}.
 */
export const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[2])
if ARGV[1] ~= '1' then
  local held = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', now), '+inf')
  if held >= limit then return {0, held} end
  return {1, held + 1}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now))
local held = redis.call('ZCARD', KEYS[1])
if held >= limit then return {0, held} end
local lease = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], string.format('%d', now + lease), ARGV[4])
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return {1, held + 1}
`;

/** Extends a held slot's lease (only if it is still held). KEYS[1] = the set; ARGV = slot id, lease ms. */
export const RENEW_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
local changed = redis.call('ZADD', KEYS[1], 'XX', 'CH', string.format('%d', now + lease), ARGV[1])
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return changed
`;
