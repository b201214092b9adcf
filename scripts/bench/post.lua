-- wrk script: POST a JSON body (or GET), with extra headers, and print one JSON line of results.
--
--   wrk -s scripts/bench/post.lua URL -- BODY_FILE [TOKENS_FILE | header:value ...]
--   wrk -s scripts/bench/post.lua URL -- GET [TOKENS_FILE | header:value ...]
--
-- BODY_FILE holds the JSON body; GET instead sends a GET without one. TOKENS_FILE (a file name without ':') holds one bearer token a
-- line, used round-robin (a different user per request, so per-user rate limits do not cap the
-- run); otherwise each further argument is a `name:value` header sent with every request.

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local method = "POST"
local body
local headers = {}
local tokens = {}
local counter = 0

function init(args)
  if args[1] == "GET" then
    method = "GET"
  else
    body = read_file(args[1])
    headers["Content-Type"] = "application/json"
  end
  for i = 2, #args do
    local name, value = args[i]:match("^([^:]+):(.*)$")
    if name then
      headers[name] = value
    else
      for line in io.lines(args[i]) do
        if #line > 0 then tokens[#tokens + 1] = line end
      end
    end
  end
  -- Threads start at different places in the token list.
  counter = math.random(1, 1000)
end

function request()
  if #tokens > 0 then
    counter = counter + 1
    headers["Authorization"] = "Bearer " .. tokens[counter % #tokens + 1]
  end
  return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"non2xx":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
