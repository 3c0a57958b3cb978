-- POST one text per request to an OpenAI-style embeddings route (Flint's /v1/embeddings, infinity-emb's
-- /embeddings): {"model": $WRK_MODEL, "input": text}, the texts of bench/serve/texts.txt in turn (each wrk
-- thread starts at a different text). Prints the same WRKJSON summary line as wrk_post.lua.
local model = os.getenv("WRK_MODEL") or "minilm"
local texts = {}
for line in io.lines(os.getenv("WRK_TEXTS") or "bench/serve/texts.txt") do
  if #line > 0 then texts[#texts + 1] = line end
end
assert(#texts > 0, "wrk_embeddings.lua: no texts")

local function quoted(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end
local bodies = {}
for i, text in ipairs(texts) do
  bodies[i] = '{"model": ' .. quoted(model) .. ', "input": ' .. quoted(text) .. '}'
end

local thread_counter = 0
setup = function(thread)
  thread:set("first", thread_counter)
  thread_counter = thread_counter + 1
end

local index = nil
request = function()
  if index == nil then index = (first or 0) % #bodies end
  index = index % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[index])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\":%d,\"duration_s\":%.3f,\"rps\":%.2f,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"mean_ms\":%.2f,\"err_connect\":%d,\"err_read\":%d,\"err_write\":%d,\"err_status\":%d,\"err_timeout\":%d}\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
