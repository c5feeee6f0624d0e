-- wrk script for bench.wrk: each wrk thread sends its own prepared requests, read from
-- "<prefix>-<thread id>.req" (requests separated by a NUL byte), in order, starting again
-- from the first if the run outlasts them. Answers are counted by status.
-- With a second argument, a rate per thread in requests/s, requests leave on a fixed
-- schedule (request n at start + n / rate) instead of as soon as a connection is free.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } crm_timespec;
int clock_gettime(int clock, crm_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("crm_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1] .. "-" .. id .. ".req"
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  requests = {}
  local start = 1
  while true do
    local stop = string.find(data, "\0", start, true)
    if stop == nil then break end
    table.insert(requests, string.sub(data, start, stop - 1))
    start = stop + 1
  end
  index = 0
  statuses = {}
  if args[2] ~= nil then
    interval_ms = 1000 / tonumber(args[2])
    started_ms = now_ms()
    slot = 0
  end
end

-- Called after each answer: how long this connection waits before its next request. Each
-- request takes the next free slot of the schedule, so the rate holds while fewer than all
-- connections are waiting for answers.
function delay()
  if interval_ms == nil then
    return 0
  end
  slot = slot + 1
  local wait = started_ms + slot * interval_ms - now_ms()
  if wait < 0 then
    return 0
  end
  return wait
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  io.write(string.format(
    '{"requests": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "seconds": %f,'
      .. ' "p50_ms": %f, "p99_ms": %f, "statuses": {%s}}\n',
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, table.concat(parts, ", ")))
end
