-- agentd: lab.agentd, the grader helpers of scenarios on the simulated
-- agent platform (docs/platform.md): where its files are, reading them
-- from the frozen sandbox, the check for a platform that left nothing to
-- judge, which is an error, never the candidate's fail, and the opening
-- their graders share (lab.agentd.begin).  Run after the prelude; reads
-- only through lab.read and lab.json.
local lab = ...

local read, json, error_check = lab.read, lab.json, lab.error_check
local runs, commands = lab.runs, lab.commands
local error, ipairs, tostring, type = error, ipairs, tostring, type
local math_type = math.type
local gmatch = string.gmatch

local agentd = {
	STATE = "/var/lib/agentd/state.json",
	METRICS = "/var/lib/agentd/metrics.prom",
	CONFIG = "/etc/agentd/platform.json",
	AUDIT = "/var/log/agentd/audit.jsonl",
	LOG = "/var/log/agentd/agentd.jsonl",
	SPANS = "/var/log/agentd/spans.jsonl",
	CLI = "/opt/labrun/bin/agentctl",
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

-- lab.agentd.steps() -> the audit trail's entries that the candidate made
-- through the installed agentctl, in order: each one's pid (the asking
-- process, as the kernel told agentd) is a command in lab.commands that
-- ran /opt/labrun/bin/agentctl (trusted: lab.runs) with exactly the
-- entry's words and ended with its exit status.  Each entry gets
-- `command`, that command's index.  A request from anything else (a
-- copy of agentctl, a client of the candidate's own, a renamed program)
-- is not a step (docs/validity.md, V2).
function agentd.steps()
	local out, by_pid = {}, {}
	for i, c in ipairs(commands) do
		if type(c) == "table" and runs(c, agentd.CLI) and math_type(c.pid) == "integer" then
			local list = by_pid[c.pid] or {}
			list[#list + 1] = i
			by_pid[c.pid] = list
		end
	end
	for _, e in ipairs(agentd.jsonl(agentd.AUDIT)) do
		if e.actor == "candidate" and math_type(e.pid) == "integer"
		    and type(e.argv) == "table" and by_pid[e.pid] then
			for _, i in ipairs(by_pid[e.pid]) do
				local c = commands[i]
				local same = type(c.argv) == "table" and #c.argv == #e.argv + 1
				    and c.exit == e.exit
				for k = 1, #e.argv do
					same = same and c.argv[k + 1] == e.argv[k]
				end
				if same then
					e.command = i
					out[#out + 1] = e
					break
				end
			end
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

-- lab.agentd.begin() -> checks, add, platform_error, state, why: the
-- opening every grader on the platform shares.  checks is the list the
-- grader returns, add(check) appends to it, platform_error(id, title,
-- weight, what) adds lab.agentd.error_check(id, title, weight, what) (a
-- missing or malformed platform file is the platform's failure, never the
-- candidate's), and state, why are lab.agentd.json(lab.agentd.STATE).
function agentd.begin()
	local checks = {}
	local function add(c)
		checks[#checks + 1] = c
	end
	local function platform_error(id, title, weight, what)
		add(agentd.error_check(id, title, weight, what))
	end
	local state, why = agentd.json(agentd.STATE)
	return checks, add, platform_error, state, why
end
