-- agentd: lab.agentd, the grader helpers of scenarios on the simulated
-- agent platform (docs/platform.md): where its files are, reading them
-- from the frozen sandbox, and the check for a platform that left nothing
-- to judge, which is an error, never the candidate's fail.  Run after the
-- prelude; reads only through lab.read and lab.json.
local lab = ...

local read, json, error_check = lab.read, lab.json, lab.error_check
local error, tostring, type = error, tostring, type
local gmatch = string.gmatch

local agentd = {
	STATE = "/var/lib/agentd/state.json",
	METRICS = "/var/lib/agentd/metrics.prom",
	CONFIG = "/etc/agentd/platform.json",
	AUDIT = "/var/log/agentd/audit.jsonl",
	LOG = "/var/log/agentd/agentd.jsonl",
	SPANS = "/var/log/agentd/spans.jsonl",
}
lab.agentd = agentd

-- lab.agentd.json(path) -> value | nil, reason naming the file
function agentd.json(path)
	if type(path) ~= "string" then
		error("lab.agentd.json: the path must be a string", 2)
	end
	local text, why = read(path)
	if not text then
		return nil, path .. ": " .. tostring(why)
	end
	local v, jwhy = json(text)
	if v == nil then
		return nil, path .. ": not valid JSON: " .. tostring(jwhy)
	end
	return v
end

-- lab.agentd.jsonl(path) -> {value, ...}: the lines of a JSON-lines file
-- that are JSON objects (or arrays: both are tables), in order; other
-- lines are skipped, and a missing file gives {}.
function agentd.jsonl(path)
	if type(path) ~= "string" then
		error("lab.agentd.jsonl: the path must be a string", 2)
	end
	local out = {}
	for line in gmatch(read(path) or "", "[^\n]+") do
		local v = json(line)
		if type(v) == "table" then
			out[#out + 1] = v
		end
	end
	return out
end

-- lab.agentd.error_check(id, title, weight, what) -> an error check saying
-- the platform's `what` (such as "state cannot be read") kept the check
-- from being judged.
function agentd.error_check(id, title, weight, what)
	return error_check { id = id, title = title, weight = weight,
		message = "the platform's " .. tostring(what)
		    .. "; the attempt is reported, not failed" }
end
