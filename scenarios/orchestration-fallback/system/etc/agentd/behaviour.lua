-- The upstream behind web.fetch: from 13:32 UTC its CDN answers every
-- request with an HTML sign-in page instead of the JSON the adapter
-- expects (an "unexpected result", not an outage: the HTTP status is 200).
-- doc.search is rate limited now and then all along: noisy, retried,
-- harmless.
local CAPTIVE_FROM_MS = 1773322320000 -- 2026-03-12T13:32:00Z

function on_tool_call(c)
  if c.tool == "web.fetch" and c.now_ms >= CAPTIVE_FROM_MS then
    return {error = "unexpected response: 200 text/html (sign-in page), expected application/json"}
  end
  if c.tool == "doc.search" and math.random(1, 6) == 1 then
    return {error = "429 rate limited (retry after 1s)"}
  end
end
