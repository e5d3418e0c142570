-- wrk script for bench/wrk.py: args = paths (comma-separated; connection i uses path i mod n), method,
-- token, body ({uuid} replaced by a fresh UUID per request). Prints one JSON line when done.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local paths = {}
  for p in string.gmatch(args[1], "[^,]+") do table.insert(paths, p) end
  path = paths[(id % #paths) + 1]
  method, token, body = args[2], args[3] or "", args[4] or ""
  headers = {["Accept"] = "application/json"}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if method == "POST" then headers["Content-Type"] = "application/json" end
  math.randomseed(os.time() * 1000 + id)
  if method ~= "POST" then fixed = wrk.format(method, path, headers, nil) end
end

local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0x7fffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end

function request()
  if fixed then return fixed end
  return wrk.format(method, path, headers, (string.gsub(body, "{uuid}", uuid())))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"errors":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, e.status + e.connect + e.read + e.write + e.timeout,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
