-- trace: lab.trace, the grader helpers for the span traces agentd writes
-- (one JSON object per line): load and index them, walk parents and links
-- back to the causal chain of an incident, read a candidate's chain and
-- score it with partial credit.  Run after the prelude; like it, it keeps
-- its own references and reads only through lab.read and lab.answer.  It
-- never raises for bad data (the spans and the answer are the candidate's
-- to break): that gives nil, reason or a skipped span; only a grader's
-- wrong arguments raise.
local lab = ...

local read, answer_file, json, null = lab.read, lab.answer, lab.json, lab.null
local error, next, pairs, type = error, next, pairs, type
local math_type = math.type
local find, format, lower, sub = string.find, string.format, string.lower, string.sub

-- Lines of a span file, blank ones included: each costs a parse.
local MAX_LINES = 100000
-- Bytes of one line: a span is a few hundred.  A longer line is skipped
-- unparsed, so that no single line can fill the heap.
local MAX_LINE = 65536
-- Bytes of heap the loaded spans may take, estimated as SPAN_BYTES a span
-- and VALUE_BYTES for every value in it, nested ones too (measured on Lua
-- 5.4, 64-bit: 50 to 70 a value).  Half the default heap: the file itself
-- (up to 8 MiB) is held as well while loading, and the grader needs room.
local MAX_HEAP = 32 << 20
local SPAN_BYTES, VALUE_BYTES = 128, 64
-- Span ids in a chain or an answer: a causal chain is a handful of hops,
-- and comparing two lists costs their product.
local MAX_CHAIN = 1000
-- Bytes of an answer file: 1000 ids in pretty-printed JSON take 25 KiB.
local MAX_ANSWER = 65536
-- Skipped lines described in spans.problems; spans.skipped counts them all.
local MAX_PROBLEMS = 20

local trace = {
	limits = { lines = MAX_LINES, line = MAX_LINE, heap = MAX_HEAP,
		   chain = MAX_CHAIN, answer = MAX_ANSWER, problems = MAX_PROBLEMS },
}
lab.trace = trace

-- n lowercase hex digits, not all zero (W3C trace context).
local function is_id(s, n)
	return type(s) == "string" and #s == n and find(s, "^[0-9a-f]+$") ~= nil
	    and find(s, "[1-9a-f]") ~= nil
end

-- An id in a message: a grader may pass candidate text.
local function show(id)
	if #id > 40 then
		return sub(id, 1, 40) .. "..."
	end
	return id
end

local function check_spans(fname, spans)
	if type(spans) ~= "table" or type(spans.by_id) ~= "table"
	    or type(spans.list) ~= "table" then
		error(fname .. ": expects the spans from lab.trace.load", 3)
	end
end

local function check_id(fname, id)
	if type(id) ~= "string" then
		error(fname .. ": the span id must be a string", 3)
	end
end

local LINKS_BAD = "links is not an array of {trace_id, span_id}"

-- Why the decoded line s is not a span, or nil.  A valid span is
-- normalised: a root's parent_span_id is "", attributes is a table.
local function invalid(s)
	if type(s) ~= "table" or s == null or s[1] ~= nil then
		return "not a JSON object"
	end
	if not is_id(s.trace_id, 32) then
		return "trace_id is not 32 lowercase hex digits"
	end
	if not is_id(s.span_id, 16) then
		return "span_id is not 16 lowercase hex digits"
	end
	local p = s.parent_span_id
	if p == nil or p == null or p == "" or p == "0000000000000000" then
		s.parent_span_id = ""
	elseif not is_id(p, 16) then
		return "parent_span_id is neither \"\" nor 16 lowercase hex digits"
	end
	if type(s.name) ~= "string" then
		return "name is not a string"
	end
	if type(s.status) ~= "string" then
		return "status is not a string"
	end
	local t0, t1 = s.start_unix_nano, s.end_unix_nano
	if math_type(t0) ~= "integer" then
		return "start_unix_nano is not an integer"
	end
	if math_type(t1) ~= "integer" then
		return "end_unix_nano is not an integer"
	end
	if t1 < t0 then
		return "end_unix_nano is before start_unix_nano"
	end
	local a = s.attributes
	if a == nil or a == null then
		s.attributes = {}
	elseif type(a) ~= "table" or a[1] ~= nil then
		return "attributes is not an object"
	end
	local links = s.links
	if links == null then
		s.links = nil
	elseif links ~= nil then
		if type(links) ~= "table" or (links[1] == nil and next(links) ~= nil) then
			return LINKS_BAD
		end
		for i = 1, #links do
			local l = links[i]
			if type(l) ~= "table" or not is_id(l.trace_id, 32)
			    or not is_id(l.span_id, 16) then
				return LINKS_BAD
			end
		end
	end
	return nil
end

-- Values in a decoded JSON table, nested ones too (lab.json bounds the
-- depth).
local function values(t)
	local n = 0
	for _, v in pairs(t) do
		n = n + 1
		if type(v) == "table" then
			n = n + values(v)
		end
	end
	return n
end

-- lab.trace.load(path) -> spans | nil, reason.
function trace.load(path)
	if type(path) ~= "string" then
		error("lab.trace.load: the path must be a string", 2)
	end
	local text, why = read(path)
	if not text then
		return nil, why
	end
	local list, by_id, children, roots, problems = {}, {}, {}, {}, {}
	local skipped, line, pos, len, heap = 0, 0, 1, #text, 0
	while pos <= len do
		local nl = find(text, "\n", pos, true)
		local stop = nl and nl - 1 or len
		local bad, span
		line = line + 1
		if line > MAX_LINES then
			return nil, "more than " .. MAX_LINES .. " lines"
		end
		if stop - pos + 1 > MAX_LINE then
			bad = "longer than " .. MAX_LINE .. " bytes"
		else
			local s = sub(text, pos, stop)
			if find(s, "%S") then
				span, bad = json(s)
				if span == nil then
					bad = "not JSON (" .. bad .. ")"
				else
					bad = invalid(span)
				end
				if not bad and by_id[span.span_id] then
					bad = "duplicate span_id " .. span.span_id
				end
			end
		end
		if bad then
			skipped = skipped + 1
			if #problems < MAX_PROBLEMS then
				problems[#problems + 1] = "line " .. line .. ": " .. bad
			end
		elseif span then
			heap = heap + SPAN_BYTES + VALUE_BYTES * values(span)
			if heap > MAX_HEAP then
				return nil, "the spans would take more than "
				    .. (MAX_HEAP >> 20) .. " MiB of memory"
			end
			list[#list + 1] = span
			by_id[span.span_id] = span
			local p = span.parent_span_id
			if p == "" then
				roots[#roots + 1] = span
			else
				local c = children[p]
				if not c then
					c = {}
					children[p] = c
				end
				c[#c + 1] = span
			end
		end
		if not nl then
			break
		end
		pos = nl + 1
	end
	return {
		list = list,
		by_id = by_id,
		children = children,
		roots = roots,
		skipped = skipped,
		problems = problems,
	}
end

-- lab.trace.parent(spans, id) -> the parent span | nil, reason.
function trace.parent(spans, id)
	check_spans("lab.trace.parent", spans)
	check_id("lab.trace.parent", id)
	local by_id = spans.by_id
	local s = by_id[id]
	if not s then
		return nil, "no span " .. show(id)
	end
	local p = s.parent_span_id
	if p == "" then
		return nil, "a root span"
	end
	local ps = by_id[p]
	if not ps then
		return nil, "its parent " .. show(p) .. " is not in the file"
	end
	return ps
end

-- lab.trace.ancestors(spans, id) -> {span, its parent, ..., the top} | nil,
-- reason.  The walk ends at a root, at a parent missing from the file, or
-- before a span it has already seen (a parent cycle).
function trace.ancestors(spans, id)
	check_spans("lab.trace.ancestors", spans)
	check_id("lab.trace.ancestors", id)
	local by_id = spans.by_id
	local s = by_id[id]
	if not s then
		return nil, "no span " .. show(id)
	end
	local out, seen = {}, {}
	while s and not seen[s] do
		seen[s] = true
		out[#out + 1] = s
		local p = s.parent_span_id
		s = p ~= "" and by_id[p] or nil
	end
	return out
end

-- The first span a link of s points to that exists and is not in seen.
local function linked(by_id, s, seen)
	local links = s.links
	if type(links) ~= "table" then
		return nil
	end
	for i = 1, #links do
		local l = links[i]
		local t = type(l) == "table" and by_id[l.span_id]
		if t and t.trace_id == l.trace_id and not seen[t] then
			return t
		end
	end
	return nil
end

-- lab.trace.chain(spans, incident_id) -> {root cause id, ..., incident_id}
-- | nil, reason.  From the incident: a span's link (to its cause in another
-- trace) is followed before its parent; the walk ends where neither leads
-- to a span not yet in the chain.
function trace.chain(spans, incident_id)
	check_spans("lab.trace.chain", spans)
	check_id("lab.trace.chain", incident_id)
	local by_id = spans.by_id
	local s = by_id[incident_id]
	if not s then
		return nil, "no span " .. show(incident_id)
	end
	local back, seen = {}, {}
	while s do
		if #back == MAX_CHAIN then
			return nil, "the chain is longer than " .. MAX_CHAIN .. " spans"
		end
		seen[s] = true
		back[#back + 1] = s.span_id
		local nxt = linked(by_id, s, seen)
		if not nxt then
			local p = s.parent_span_id
			nxt = p ~= "" and by_id[p] or nil
			if nxt and seen[nxt] then
				nxt = nil
			end
		end
		s = nxt
	end
	local out, n = {}, #back
	for i = 1, n do
		out[i] = back[n + 1 - i]
	end
	return out
end

-- lab.trace.find(spans, filter) -> the spans whose fields equal filter's,
-- and whose attributes equal filter.attributes', in file order.
function trace.find(spans, filter)
	check_spans("lab.trace.find", spans)
	if type(filter) ~= "table" then
		error("lab.trace.find: the filter must be a table {field = value, ...}", 2)
	end
	local keys, vals, akeys, avals = {}, {}, {}, {}
	for k, v in pairs(filter) do
		if k == "attributes" then
			if type(v) ~= "table" then
				error("lab.trace.find: 'attributes' must be a table", 2)
			end
			for ak, av in pairs(v) do
				akeys[#akeys + 1] = ak
				avals[#avals + 1] = av
			end
		else
			keys[#keys + 1] = k
			vals[#vals + 1] = v
		end
	end
	local out, list, nk, na = {}, spans.list, #keys, #akeys
	for i = 1, #list do
		local s = list[i]
		local match = type(s) == "table"
		for j = 1, nk do
			if not match then
				break
			end
			match = s[keys[j]] == vals[j]
		end
		if match and na > 0 then
			local a = s.attributes
			match = type(a) == "table"
			for j = 1, na do
				if not match then
					break
				end
				match = a[akeys[j]] == avals[j]
			end
		end
		if match then
			out[#out + 1] = s
		end
	end
	return out
end

-- Longest common subsequence of a and b, in two rows: #a * #b steps, both
-- at most MAX_CHAIN.
local function lcs(a, b)
	local na, nb = #a, #b
	local prev, cur = {}, {}
	for j = 0, nb do
		prev[j] = 0
	end
	cur[0] = 0
	for i = 1, na do
		local x = a[i]
		for j = 1, nb do
			if x == b[j] then
				cur[j] = prev[j - 1] + 1
			else
				local up, left = prev[j], cur[j - 1]
				cur[j] = up > left and up or left
			end
		end
		prev, cur = cur, prev
	end
	return prev[nb]
end

-- What a non-id answer item is, for `extra`.
local function what(v)
	if v == nil then
		return "(nothing)"
	elseif v == null then
		return "(null)"
	end
	return "(a " .. type(v) .. ")"
end

-- Score in thousandths: 300 for the right root cause (first id), 200 for
-- the right incident (last id), 500 * matched / #truth for the steps in
-- the right order, less 50 for each extra id (at most 500), within 0..1000.
local W_ROOT, W_INCIDENT, W_ORDER, W_EXTRA = 300, 200, 500, 50

-- lab.trace.compare(answer, truth) -> {score=, thousandths=, root_cause=,
-- incident=, matched=, missing=, extra= [, reason=]}
function trace.compare(answer, truth)
	if type(answer) ~= "table" then
		error("lab.trace.compare: the answer must be a list (from lab.trace.answer)", 2)
	end
	if type(truth) ~= "table" then
		error("lab.trace.compare: the truth must be a list of span ids", 2)
	end
	local nt = #truth
	if nt == 0 then
		error("lab.trace.compare: the truth is empty", 2)
	end
	if nt > MAX_CHAIN then
		error("lab.trace.compare: the truth has more than " .. MAX_CHAIN .. " span ids", 2)
	end
	local in_truth = {}
	for i = 1, nt do
		if type(truth[i]) ~= "string" then
			error("lab.trace.compare: truth item " .. i .. " is not a string", 2)
		end
		in_truth[truth[i]] = true
	end
	local r = {
		score = 0.0, thousandths = 0, root_cause = false, incident = false,
		matched = 0, missing = {}, extra = {},
	}
	local na = #answer
	if na > MAX_CHAIN then
		for i = 1, nt do
			r.missing[i] = truth[i]
		end
		r.reason = "the answer has more than " .. MAX_CHAIN .. " span ids"
		return r
	end
	local given, seq, extra = {}, {}, r.extra
	for i = 1, na do
		local v = answer[i]
		if type(v) ~= "string" then
			extra[#extra + 1] = what(v)
		elseif given[v] or not in_truth[v] then
			extra[#extra + 1] = v
		else
			seq[#seq + 1] = v
		end
		if type(v) == "string" then
			given[v] = true
		end
	end
	local missing, listed = r.missing, {}
	for i = 1, nt do
		local t = truth[i]
		if not given[t] and not listed[t] then
			listed[t] = true
			missing[#missing + 1] = t
		end
	end
	r.matched = lcs(seq, truth)
	r.root_cause = na > 0 and answer[1] == truth[1]
	r.incident = na > 0 and answer[na] == truth[nt]
	local penalty = W_EXTRA * #extra
	if penalty > W_ORDER then
		penalty = W_ORDER
	end
	local t = (r.root_cause and W_ROOT or 0) + (r.incident and W_INCIDENT or 0)
	    + W_ORDER * r.matched // nt - penalty
	if t < 0 then
		t = 0
	end
	r.thousandths = t
	r.score = t / 1000
	return r
end

-- An answer item in a message: short printable text is quoted.
local function got(v)
	if type(v) == "string" then
		if #v <= 40 and find(v, "^[%w%p ]*$") then
			return "\"" .. v .. "\""
		end
		return "a string of " .. #v .. " bytes"
	elseif v == null then
		return "null"
	elseif type(v) == "table" then
		return "a list or an object"
	end
	return "a " .. type(v)
end

-- lab.trace.answer([name]) -> {span id, ...} (lowercase) | nil, reason
-- naming the file, for the candidate.
function trace.answer(name)
	if name == nil then
		name = "chain.json"
	end
	if type(name) ~= "string" then
		error("lab.trace.answer: the name must be a string", 2)
	end
	local text, why = answer_file(name)
	if not text then
		if why == "no such file" then
			why = "no such file (write it to /home/candidate/answers/" .. name .. ")"
		end
		return nil, name .. ": " .. why
	end
	if #text > MAX_ANSWER then
		return nil, name .. ": larger than " .. MAX_ANSWER .. " bytes"
	end
	if not find(text, "^%s*%[") then
		return nil, name .. ": expected a JSON array of span ids, like"
		    .. " [\"4bf92f3577b34da6\", \"00f067aa0ba902b7\"]"
	end
	local v, jwhy = json(text)
	if v == nil then
		return nil, name .. ": not valid JSON: " .. jwhy
	end
	local n = #v
	if n > MAX_CHAIN then
		return nil, name .. ": more than " .. MAX_CHAIN .. " span ids"
	end
	local out = {}
	for i = 1, n do
		local item = v[i]
		if type(item) ~= "string" or #item ~= 16
		    or not find(item, "^[0-9a-fA-F]+$") then
			return nil, format("%s: item %d is not a 16-hex-digit span id (got %s)",
					   name, i, got(item))
		end
		out[i] = lower(item)
	end
	return out
end

-- lab.trace.check{id=, title=, weight=, truth=, [answer=], [root_cause=],
-- [incident=], [kind=]} -> the check of a candidate's chain (the answer file,
-- default "chain.json") against the truth: full points for the exact
-- chain, else lab.trace.compare's partial credit, with a message that
-- says what is wrong without telling the answer: root_cause when the
-- first span is not the truth's first, incident when the last is not its
-- last, else how many spans are in order and how many do not belong.
-- Its kind is "knowledge" unless t.kind says otherwise.
function trace.check(t)
	if type(t) ~= "table" then
		error("lab.trace.check: wants {id=, title=, weight=, truth=, ...}", 2)
	end
	if type(t.weight) ~= "number" or math_type(t.weight) ~= "integer" then
		error("lab.trace.check: weight must be an integer", 2)
	end
	if type(t.truth) ~= "table" or #t.truth == 0 then
		error("lab.trace.check: truth must be a list of span ids", 2)
	end
	local answer, why = trace.answer(t.answer)
	local r = answer and trace.compare(answer, t.truth)
	local message = ""
	if not answer then
		message = why
	elseif r.thousandths < 1000 then
		message = r.reason
		    or (not r.root_cause and (t.root_cause or "the first span is not the root cause"))
		    or (not r.incident and (t.incident or "the last span is not the incident"))
		    or format("%d of %d spans in the right order; %d not part of the chain",
			      r.matched, #t.truth, #r.extra)
	end
	return lab.check {
		id = t.id, title = t.title, weight = t.weight,
		pass = r ~= nil and r.thousandths == 1000,
		points = r and t.weight * r.thousandths // 1000 or 0,
		message = message,
		-- what the candidate knew of this attempt's incident
		kind = t.kind or "knowledge",
	}
end
