-- wrk script: pace each connection so the whole run offers RATE requests/s (env RATE, CONNS_N).
-- wrk's delay() is in whole milliseconds; a random rounding keeps the mean interval exact.
local rate = tonumber(os.getenv("RATE") or "1000")
local conns = tonumber(os.getenv("CONNS_N") or "50")
local interval = conns * 1000 / rate
function delay()
  return math.floor(interval + math.random())
end
