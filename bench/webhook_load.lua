-- wrk script for bench.webhook_wrk: each wrk thread sends its own pre-signed requests,
-- read from "<prefix>-<thread id>.req" (requests separated by a NUL byte), in order,
-- starting again from the first if the run outlasts them.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
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
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "non2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "seconds": %f}\n',
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.duration / 1e6))
end
