-- trace: lab.trace, the grader helpers for the span traces agentd writes
-- (OTLP/JSON: one ExportTraceServiceRequest a line, as the OpenTelemetry
-- Collector's file exporter writes them): load them, each span normalised
-- to a flat table graders read (span_id, start_unix_nano as an integer,
-- attributes as a map, ...), index them, walk parents and links back to
-- the causal chain of an incident, read a candidate's chain and score it
-- with partial credit.  Run after the prelude; like it, it keeps its own
-- references and reads only through lab.read and lab.answer.  It never
-- raises for bad data (the spans and the answer are the candidate's to
-- break): that gives nil, reason or a skipped span; only a grader's wrong
-- arguments raise.
local lab = ...

local read, answer_file, json, null = lab.read, lab.answer, lab.json, lab.null
local error, next, pairs, type = error, next, pairs, type
local math_type, tonumber = math.type, tonumber
local find, format, lower, sub = string.find, string.format, string.lower, string.sub

-- Lines of a span file, blank ones included: each costs a parse.
local MAX_LINES = 100000
-- Bytes of one line: agentd writes a span a line (about 800 bytes); a
-- batch of a few hundred spans fits.  A longer line is skipped unparsed,
-- so that no single line can fill the heap.
local MAX_LINE = 262144
-- Bytes of heap the loaded spans may take, estimated as SPAN_BYTES a span
-- and VALUE_BYTES for every value in its normalised table, nested ones too
-- (measured on Lua 5.4, 64-bit: 50 to 70 a value).  Half the default
-- heap: the file itself (up to 8 MiB) is held as well while loading, and
-- the grader needs room.
local MAX_HEAP = 32 << 20
local SPAN_BYTES, VALUE_BYTES = 128, 64
-- Values of a span besides its attributes and links: ids, name, kind,
-- times, status and the rest (resource and scope are shared).
local SPAN_VALUES = 8
-- Span ids in a chain or an answer: a causal chain is a handful of hops,
-- and comparing two lists costs their product.
local MAX_CHAIN = 1000
-- Bytes of an answer file: 1000 ids in pretty-printed JSON take 25 KiB.
local MAX_ANSWER = 65536
-- Skipped lines described in spans.problems; spans.skipped counts them all.
local MAX_PROBLEMS = 20
-- Distinct resources kept as one shared table each: spans of the same
-- service share theirs (agentd repeats it on every line).
local MAX_RESOURCES = 64

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

-- The enums of opentelemetry-proto's trace.proto: a number, or its name
-- (proto3's JSON mapping allows both).
local KINDS = {
	SPAN_KIND_UNSPECIFIED = 0, SPAN_KIND_INTERNAL = 1, SPAN_KIND_SERVER = 2,
	SPAN_KIND_CLIENT = 3, SPAN_KIND_PRODUCER = 4, SPAN_KIND_CONSUMER = 5,
}
local CODES = { STATUS_CODE_UNSET = 0, STATUS_CODE_OK = 1, STATUS_CODE_ERROR = 2 }
local STATUS_WORD = { [0] = "unset", [1] = "ok", [2] = "error" }

local function enum(v, names, top)
	if type(v) == "string" then
		v = names[v]
	end
	if math_type(v) == "integer" and v >= 0 and v <= top then
		return v
	end
	return nil
end

-- A 64-bit integer of OTLP/JSON: a decimal string (or a JSON integer),
-- exactly; nil when it is neither or does not fit.
local function int64(v)
	if type(v) == "string" then
		if not find(v, "^%-?%d+$") or #v > 20 then
			return nil
		end
		v = tonumber(v)
	end
	return math_type(v) == "integer" and v or nil
end

local function is_list(t)
	return type(t) == "table" and t ~= null and (t[1] ~= nil or next(t) == nil)
end

local function is_object(t)
	return type(t) == "table" and t ~= null and t[1] == nil
end

local any_value

-- OTLP's attributes (a list of {key, value: AnyValue}) as a map key ->
-- Lua value; nil, reason when it is not such a list.  A key given twice
-- keeps its last value.
local function attr_map(kvs, what)
	local out = {}
	if kvs == nil or kvs == null then
		return out
	end
	if not is_list(kvs) then
		return nil, what .. " is not a list of {key, value}"
	end
	for i = 1, #kvs do
		local kv = kvs[i]
		if not is_object(kv) or type(kv.key) ~= "string" then
			return nil, format("%s[%d] is not a {key, value} with a string key", what, i - 1)
		end
		local v, why = any_value(kv.value)
		if v == nil then
			return nil, format("%s[%d] (%s): %s", what, i - 1, show(kv.key), why)
		end
		out[kv.key] = v
	end
	return out
end

-- An AnyValue as a Lua value: stringValue and bytesValue (base64, as
-- given) a string, intValue an integer, doubleValue a float, boolValue a
-- boolean, arrayValue a list, kvlistValue a map; nil, reason otherwise.
function any_value(v)
	if not is_object(v) then
		return nil, "the value is not an AnyValue object"
	end
	local x = v.stringValue
	if x ~= nil then
		if type(x) ~= "string" then
			return nil, "stringValue is not a string"
		end
		return x
	end
	x = v.intValue
	if x ~= nil then
		x = int64(x)
		if not x then
			return nil, "intValue is not a 64-bit integer in a decimal string"
		end
		return x
	end
	x = v.boolValue
	if x ~= nil then
		if type(x) ~= "boolean" then
			return nil, "boolValue is not true or false"
		end
		return x
	end
	x = v.doubleValue
	if x ~= nil then
		if type(x) ~= "number" then
			return nil, "doubleValue is not a number"
		end
		return x + 0.0
	end
	x = v.bytesValue
	if x ~= nil then
		if type(x) ~= "string" then
			return nil, "bytesValue is not a base64 string"
		end
		return x
	end
	x = v.arrayValue
	if x ~= nil then
		local vals = is_object(x) and x.values or nil
		if vals == nil or vals == null then
			return {}
		end
		if not is_list(vals) then
			return nil, "arrayValue.values is not a list"
		end
		local out = {}
		for i = 1, #vals do
			local e, why = any_value(vals[i])
			if e == nil then
				return nil, format("arrayValue.values[%d]: %s", i - 1, why)
			end
			out[i] = e
		end
		return out
	end
	x = v.kvlistValue
	if x ~= nil then
		if not is_object(x) then
			return nil, "kvlistValue is not an object"
		end
		return attr_map(x.values, "kvlistValue.values")
	end
	return nil, "the value has none of stringValue, intValue, doubleValue,"
	    .. " boolValue, bytesValue, arrayValue, kvlistValue"
end

local LINKS_BAD = "links is not a list of {traceId, spanId}"

-- The OTLP span o as graders read it, or nil, why it is not a span:
-- {trace_id, span_id, parent_span_id ("" for a root), name, kind (0-5),
-- status ("unset", "ok" or "error"), status_code (0-2), status_message,
-- start_unix_nano, end_unix_nano (integers), attributes (a map), links
-- ({trace_id, span_id, attributes}, or nil), resource, scope, line}.
local function normalise(o, resource, scope, line)
	if not is_object(o) then
		return nil, "not a JSON object"
	end
	local s = { resource = resource, scope = scope, line = line }
	if not is_id(o.traceId, 32) then
		return nil, "traceId is not 32 lowercase hex digits"
	end
	s.trace_id = o.traceId
	if not is_id(o.spanId, 16) then
		return nil, "spanId is not 16 lowercase hex digits"
	end
	s.span_id = o.spanId
	local p = o.parentSpanId
	if p == nil or p == null or p == "" or p == "0000000000000000" then
		s.parent_span_id = ""
	elseif not is_id(p, 16) then
		return nil, "parentSpanId is neither absent, \"\" nor 16 lowercase hex digits"
	else
		s.parent_span_id = p
	end
	if type(o.name) ~= "string" then
		return nil, "name is not a string"
	end
	s.name = o.name
	local kind = o.kind
	if kind == nil or kind == null then
		s.kind = 0
	else
		s.kind = enum(kind, KINDS, 5)
		if not s.kind then
			return nil, "kind is not a SpanKind (0 to 5)"
		end
	end
	local t0, t1 = int64(o.startTimeUnixNano), int64(o.endTimeUnixNano)
	if not t0 or t0 < 0 then
		return nil, "startTimeUnixNano is not nanoseconds in a decimal string"
	end
	if not t1 or t1 < 0 then
		return nil, "endTimeUnixNano is not nanoseconds in a decimal string"
	end
	if t1 < t0 then
		return nil, "endTimeUnixNano is before startTimeUnixNano"
	end
	s.start_unix_nano, s.end_unix_nano = t0, t1
	local st = o.status
	local code = 0
	if st ~= nil and st ~= null then
		if not is_object(st) then
			return nil, "status is not an object"
		end
		if st.code ~= nil and st.code ~= null then
			code = enum(st.code, CODES, 2)
			if not code then
				return nil, "status.code is not a StatusCode (0 unset, 1 ok, 2 error)"
			end
		end
		local m = st.message
		if m ~= nil and m ~= null and type(m) ~= "string" then
			return nil, "status.message is not a string"
		end
		if m ~= "" and m ~= null then
			s.status_message = m
		end
	end
	s.status_code, s.status = code, STATUS_WORD[code]
	local attrs, why = attr_map(o.attributes, "attributes")
	if not attrs then
		return nil, why
	end
	s.attributes = attrs
	local links = o.links
	if links ~= nil and links ~= null then
		if not is_list(links) then
			return nil, LINKS_BAD
		end
		if links[1] then
			local out = {}
			for i = 1, #links do
				local l = links[i]
				if not is_object(l) or not is_id(l.traceId, 32)
				    or not is_id(l.spanId, 16) then
					return nil, LINKS_BAD
				end
				local la, lwhy = attr_map(l.attributes, format("links[%d].attributes", i - 1))
				if not la then
					return nil, lwhy
				end
				out[i] = { trace_id = l.traceId, span_id = l.spanId, attributes = la }
			end
			s.links = out
		end
	end
	return s
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

-- The resource of a resourceSpans entry: its attributes as a map, one
-- table for every line that repeats it (agentd repeats its own on every
-- line), known by its attributes as written; nil, why.
local function resource_of(res, cx, i)
	if res == nil or res == null then
		return cx.no_resource
	end
	if not is_object(res) then
		return nil, format("resourceSpans[%d].resource is not an object", i - 1)
	end
	local kvs, key = res.attributes, ""
	if is_list(kvs) then
		for k = 1, #kvs do
			local kv = kvs[k]
			local v = is_object(kv) and kv.value
			local x = is_object(v) and (v.stringValue or v.intValue)
			if type(x) ~= "string" or type(kv.key) ~= "string" then
				key = nil -- other values are not shared
				break
			end
			key = key .. kv.key .. "\0" .. (v.stringValue and "s" or "i") .. x .. "\0"
		end
	end
	local shared = key and cx.resources[key]
	if shared then
		return shared
	end
	local attrs, why = attr_map(kvs, format("resourceSpans[%d].resource.attributes", i - 1))
	if attrs and key and cx.nres < MAX_RESOURCES then
		cx.resources[key] = attrs
		cx.nres = cx.nres + 1
	end
	return attrs, why
end

-- The scope of a scopeSpans entry, {name, version}, shared by every span
-- of the same name and version.
local function scope_of(sc, cx)
	local name = is_object(sc) and type(sc.name) == "string" and sc.name or ""
	local version = is_object(sc) and type(sc.version) == "string" and sc.version or ""
	local key = name .. "\0" .. version
	local scope = cx.scopes[key]
	if not scope then
		scope = { name = name, version = version }
		if cx.nscopes < MAX_RESOURCES then
			cx.scopes[key] = scope
			cx.nscopes = cx.nscopes + 1
		end
	end
	return scope
end

-- The spans of one line, in cx: cx.n of them, cx.span[k] the OTLP span,
-- cx.res[k] and cx.scope[k] its resource and scope, normalised; nil, why
-- the line is no ExportTraceServiceRequest.  The lists are reused from
-- line to line (entries past cx.n are an earlier line's).
local function line_spans(req, cx)
	cx.n = 0
	if not is_object(req) then
		return nil, "not a JSON object"
	end
	local rss = req.resourceSpans
	if not is_list(rss) then
		return nil, "no resourceSpans list: not an OTLP ExportTraceServiceRequest"
	end
	local n, cspan, cres, cscope = 0, cx.span, cx.res, cx.scope
	for i = 1, #rss do
		local rs = rss[i]
		if not is_object(rs) then
			return nil, format("resourceSpans[%d] is not an object", i - 1)
		end
		local res, why = resource_of(rs.resource, cx, i)
		if not res then
			return nil, why
		end
		local sss = rs.scopeSpans
		if sss == null then
			sss = nil
		elseif sss ~= nil and not is_list(sss) then
			return nil, format("resourceSpans[%d].scopeSpans is not a list", i - 1)
		end
		for j = 1, sss and #sss or 0 do
			local ss = sss[j]
			if not is_object(ss) then
				return nil, format("resourceSpans[%d].scopeSpans[%d] is not an object", i - 1, j - 1)
			end
			local scope = scope_of(ss.scope, cx)
			local spans = ss.spans
			if spans == null then
				spans = nil
			elseif spans ~= nil and not is_list(spans) then
				return nil, format("resourceSpans[%d].scopeSpans[%d].spans is not a list",
						   i - 1, j - 1)
			end
			for k = 1, spans and #spans or 0 do
				n = n + 1
				cspan[n], cres[n], cscope[n] = spans[k], res, scope
			end
		end
	end
	cx.n = n
	return true
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
	-- what line_spans shares between lines, and its scratch lists
	local cx = { resources = {}, nres = 0, scopes = {}, nscopes = 0, no_resource = {},
		     n = 0, span = {}, res = {}, scope = {} }
	local skipped, line, pos, len, heap = 0, 0, 1, #text, 0
	local function skip(where, bad)
		skipped = skipped + 1
		if #problems < MAX_PROBLEMS then
			problems[#problems + 1] = where .. ": " .. bad
		end
	end
	while pos <= len do
		local nl = find(text, "\n", pos, true)
		local stop = nl and nl - 1 or len
		line = line + 1
		if line > MAX_LINES then
			return nil, "more than " .. MAX_LINES .. " lines"
		end
		if stop - pos + 1 > MAX_LINE then
			skip("line " .. line, "longer than " .. MAX_LINE .. " bytes")
		else
			local str = sub(text, pos, stop)
			if find(str, "%S") then
				local req, bad = json(str)
				local ok
				if req == nil then
					bad = "not JSON (" .. bad .. ")"
				else
					ok, bad = line_spans(req, cx)
				end
				if not ok then
					skip("line " .. line, bad)
				end
				local n = ok and cx.n or 0
				for i = 1, n do
					local span
					span, bad = normalise(cx.span[i], cx.res[i], cx.scope[i], line)
					if span and by_id[span.span_id] then
						span, bad = nil, "duplicate spanId " .. span.span_id
					end
					if not span then
						skip(n == 1 and "line " .. line
						     or format("line %d, span %d of %d", line, i, n), bad)
					else
						heap = heap + SPAN_BYTES + VALUE_BYTES * (values(span.attributes)
						    + (span.links and values(span.links) or 0) + SPAN_VALUES)
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
				end
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
