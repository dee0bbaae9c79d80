-- policy-denials grader (grader API 1).
--
-- Grades the rollback (the active policy, the history, the operator's steps
-- in the command log) and the two answers.  Everything the candidate left
-- may be missing or malformed: every read is checked, and a missing file is
-- a failing check with a message, never a Lua error.  Messages never print
-- the expected rule id or timestamp.

local ACTIVE = "/etc/agentsim/policy.json"
local HISTORY = "/etc/agentsim/policies/"
local MAX_RULES = 500 -- an honest policy has a dozen
local MAX_PATTERNS = 100 -- roles or tools in one rule

-- Malformed keys are the author's fault, not the candidate's: raise, so the
-- run is an error (retried or reported), never a fail.
local K = lab.keys
local function need(ok, what)
	if not ok then error("grader/keys.json: " .. what, 0) end
end
need(type(K) == "table", "missing")
for _, f in ipairs { "good_version", "bad_version", "culprit_rule", "first_denial" } do
	need(type(K[f]) == "string", f .. " must be a string")
end
need(type(K.history) == "table" and type(K.history[K.good_version]) == "table"
	and type(K.history[K.bad_version]) == "table", "history must hold the good and bad versions")
need(type(K.safety) == "table" and #K.safety > 0, "safety must be a non-empty list")
for i, p in ipairs(K.safety) do
	need(type(p) == "table" and type(p.role) == "string" and type(p.tool) == "string",
		"safety[" .. i .. "] needs role and tool")
end
need(type(K.decoys) == "table", "decoys must be an object")
need(type(K.legit_deny_rules) == "table", "legit_deny_rules must be a list")
local GOOD, BAD, HIST = K.good_version, K.bad_version, K.history

-- helpers ----------------------------------------------------------------

local function trim(s)
	if type(s) ~= "string" then return nil end
	return lab.trim(s)
end

local function basename(p)
	if type(p) ~= "string" then return "" end
	return p:match("([^/]*)$") or ""
end

-- Structural equality of decoded JSON (tables, strings, numbers, booleans,
-- lab.null); depth-bounded.
local function same(a, b, depth)
	depth = depth or 0
	if a == b then return true end
	if type(a) ~= "table" or type(b) ~= "table" or depth > 32 then return false end
	for k, v in pairs(a) do
		if not same(v, b[k], depth + 1) then return false end
	end
	for k in pairs(b) do
		if a[k] == nil then return false end
	end
	return true
end

-- Read and decode a policy file: the table, or nil and why (for a message).
local function load_policy(path)
	local kind = lab.exists(path)
	if kind == nil then return nil, "is missing" end
	if kind ~= "file" then return nil, "is not a regular file (" .. tostring(kind) .. ")" end
	local text, why = lab.read(path)
	if text == nil then return nil, "cannot be read (" .. tostring(why) .. ")" end
	local value = lab.json(text)
	if type(value) ~= "table" then return nil, "is not a valid JSON policy object" end
	return value
end

-- Wildcard match where * matches any run of characters (the engine's
-- rule); iterative, so a hostile pattern cannot make it backtrack for long.
local function glob(p, s)
	local pi, si, star, mark = 1, 1, nil, 1
	local pn, sn = #p, #s
	while si <= sn do
		local pc = pi <= pn and p:sub(pi, pi) or nil
		if pc == "*" then
			star, mark, pi = pi, si, pi + 1
		elseif pc ~= nil and pc == s:sub(si, si) then
			pi, si = pi + 1, si + 1
		elseif star then
			mark = mark + 1
			pi, si = star + 1, mark
		else
			return false
		end
	end
	while pi <= pn and p:sub(pi, pi) == "*" do pi = pi + 1 end
	return pi > pn
end

local function any_match(list, s)
	for _, g in ipairs(list) do
		if type(g) == "string" and glob(g, s) then return true end
	end
	return false
end

-- What a policy decides for ROLE calling TOOL, as the engine does: the first
-- rule whose roles and tools match, else the default.  Returns the decision,
-- or nil and why the policy cannot be evaluated.
local function decide(pol, role, tool)
	local rules = pol.rules
	if type(rules) ~= "table" then return nil, "it has no \"rules\" list" end
	local n = 0
	for _ in pairs(rules) do n = n + 1 end
	if n ~= #rules then return nil, "its \"rules\" is not a list" end
	if n > MAX_RULES then return nil, "it has more than " .. MAX_RULES .. " rules" end
	for i, r in ipairs(rules) do
		if type(r) ~= "table" or type(r.roles) ~= "table" or type(r.tools) ~= "table"
			or type(r.effect) ~= "string" then
			return nil, "rule " .. i .. " lacks \"effect\", \"roles\" or \"tools\""
		end
		if #r.roles > MAX_PATTERNS or #r.tools > MAX_PATTERNS then
			return nil, "rule " .. i .. " lists more than " .. MAX_PATTERNS .. " roles or tools"
		end
		if any_match(r.roles, role) and any_match(r.tools, tool) then return r.effect end
	end
	if type(pol.default) ~= "string" then return nil, "it has no \"default\"" end
	return pol.default
end

-- The history version (name) whose content equals POL, if any.
local function history_name(pol)
	local names = {}
	for name in pairs(HIST) do names[#names + 1] = name end
	table.sort(names)
	for _, name in ipairs(names) do
		if same(pol, HIST[name]) then return name end
	end
	return nil
end

-- A version as policyctl reads it (vN, N or .../vN.json) -> "vN", or nil.
local function version_of(arg)
	if type(arg) ~= "string" then return nil end
	local n = arg:match("^v?(%d+)$") or basename(arg):match("^v(%d+)%.json$")
	if n == nil or #n > 6 then return nil end
	return "v" .. math.tointeger(tonumber(n))
end

-- If command C ran the platform's policyctl, its subcommand and first
-- argument.  policyctl is what the kernel ran (lab.runs: by path, never
-- by the name it was given), so a renamed program, a copy of policyctl
-- in the candidate's home or a script of theirs is not policyctl.
local POLICYCTL = "/srv/agentsim/bin/policyctl"
local function policyctl_call(c)
	if not lab.runs(c, POLICYCTL) or type(c.argv) ~= "table" then return nil end
	return c.argv[2], c.argv[3]
end

local function succeeded(c)
	return c.exit == nil or c.exit == 0 -- nil: the exit was not observed
end

local checks = {}
local function add(t) checks[#checks + 1] = lab.check(t) end

-- 1. the active policy is the last good version ---------------------------

-- The last version policyctl applied successfully: the active file is
-- the candidate's to write, so it proves nothing alone (a copy by hand
-- leaves the same bytes); what the operator CLI did is in the command log.
local last_applied
for _, c in ipairs(type(lab.commands) == "table" and lab.commands or {}) do
	local sub, arg = policyctl_call(c)
	if sub == "apply" and succeeded(c) then last_applied = version_of(arg) end
end

local active, active_why = load_policy(ACTIVE)
do
	local pass, msg = false, nil
	if active == nil then
		msg = "The active policy " .. ACTIVE .. " " .. active_why ..
			". Restore the last good version from the history with the operator CLI (policyctl)."
	elseif same(active, HIST[GOOD]) and last_applied == GOOD then
		pass = true
		msg = "The active policy is the last good version: researcher agents may use web.fetch again."
	elseif same(active, HIST[GOOD]) then
		msg = "The active policy has the last good version's rules, but policyctl did not put it " ..
			"in force (its last successful apply was " .. tostring(last_applied or "none") ..
			"): a file copied by hand is not a rollback the platform knows of. Apply the " ..
			"version with policyctl."
	else
		local name = history_name(active)
		local d, why = decide(active, "researcher", "web.fetch")
		if name == BAD then
			msg = "The active policy is still the faulty version: researcher agents are denied web.fetch. " ..
				"Find the last good version in the history and restore it."
		elseif name ~= nil then
			msg = "The active policy is " .. name .. ", which is not the last good version: " ..
				"it lacks controls added after it. Compare the versions in the history " ..
				"(policyctl history, policyctl diff) and restore the last good one."
		elseif d == nil then
			msg = "The engine cannot evaluate the active policy: " .. why ..
				". Restore the last good version from the history with policyctl."
		elseif d ~= "allow" then
			msg = "Researcher agents are still not allowed web.fetch by the active policy (it decides " ..
				d .. "). Restore the last good version from the history."
		else
			msg = "Researchers can use web.fetch again, but the active policy is not the last good " ..
				"version from the history: it was edited or assembled by hand. Roll back to the last " ..
				"good version with policyctl instead of editing the active policy."
		end
	end
	add { id = "active-policy-good", title = "The last good policy version is active",
		weight = 300, pass = pass, message = msg }
end

-- 2. the safety controls still hold ---------------------------------------

do
	local pass, msg = false, nil
	if active == nil then
		msg = "The safety controls cannot be checked: the active policy " .. ACTIVE .. " " ..
			active_why .. "."
	else
		local bad, broken = {}, nil
		for _, p in ipairs(K.safety) do
			local d, why = decide(active, p.role, p.tool)
			if d == nil then broken = why; break end
			if d ~= "deny" and d ~= "escalate" then
				bad[#bad + 1] = p.role .. " agents calling " .. p.tool .. " get \"" .. d .. "\""
			end
		end
		if broken then
			msg = "The engine cannot evaluate the active policy: " .. broken ..
				". Restore the last good version from the history with policyctl."
		elseif #bad > 0 then
			msg = "Safety controls of the last good policy no longer hold: " ..
				table.concat(bad, "; ") .. " (must be denied, or escalated to a human). " ..
				"Do not repair a policy by deleting rules: roll back to the last good version."
		else
			pass = true
			msg = "Untrusted agents are still denied shell and network egress, and payments still need a human."
		end
	end
	add { id = "safety-rules-kept", title = "The safety controls still hold",
		weight = 100, pass = pass, message = msg }
end

-- 3. the history is intact -------------------------------------------------

do
	local names = {}
	for name in pairs(HIST) do names[#names + 1] = name end
	table.sort(names)
	local problems = {}
	for _, name in ipairs(names) do
		local pol, why = load_policy(HISTORY .. name .. ".json")
		if pol == nil then
			problems[#problems + 1] = name .. ".json " .. why
		elseif not same(pol, HIST[name]) then
			problems[#problems + 1] = name .. ".json has been changed"
		end
	end
	local pass = #problems == 0
	local msg
	if pass then
		msg = "Every version in " .. HISTORY .. " is still there, unchanged, for the audit."
	else
		msg = "The policy history must keep every version, unchanged, for the audit (including " ..
			"the faulty one: it is the evidence): in " .. HISTORY .. ", " ..
			table.concat(problems, "; ") .. "."
	end
	add { id = "history-kept", title = "The policy history is intact",
		weight = 150, pass = pass, message = msg }
end

-- 4. validate, then apply ---------------------------------------------------

do
	local validated, applied = nil, nil
	local cmds = type(lab.commands) == "table" and lab.commands or {}
	for i, c in ipairs(cmds) do
		local sub, arg = policyctl_call(c)
		if sub ~= nil and version_of(arg) == GOOD and succeeded(c) then
			if sub == "validate" and validated == nil then validated = i end
			if sub == "apply" then applied = i; break end
		end
	end
	local pass, msg = false, nil
	if applied == nil then
		msg = "Your session has no successful \"policyctl apply\" of the last good version: restore " ..
			"it through the operator CLI (copying files by hand leaves no audit trail and skips its checks)."
	elseif validated == nil then
		msg = "You applied the last good version without validating it first in your session: the " ..
			"runbook is \"policyctl validate VERSION\", then \"policyctl apply VERSION\"."
	else
		pass = true
		msg = "You validated the last good version, then applied it with policyctl."
	end
	add { id = "validated-before-apply", title = "Rolled back with validate, then apply",
		weight = 150, pass = pass, message = msg }
end

-- 5. which rule ------------------------------------------------------------

do
	local text, why = lab.answer("rule.txt")
	local a = trim(text)
	local pass, msg = false, nil
	local legit = {}
	for _, r in ipairs(K.legit_deny_rules) do legit[r] = true end
	if text == nil then
		msg = "~/answers/rule.txt cannot be read (" .. tostring(why) ..
			"): write in it the id of the rule that denied the researchers' requests."
	elseif a == nil or a == "" then
		msg = "~/answers/rule.txt is empty: write in it the id of the rule that denied the researchers' requests."
	elseif a:find("%s") then
		msg = "~/answers/rule.txt must hold only the rule id, on one line, nothing else."
	elseif a:match("^[\"']") then
		msg = "~/answers/rule.txt: write the bare rule id, without quotes."
	elseif a == K.culprit_rule then
		pass = true
		msg = "Right rule."
	elseif a:match("^[vV]?%d+$") then
		msg = "~/answers/rule.txt holds a policy version; the question asks for the id of the rule " ..
			"(the \"rule\" field of the decisions in /var/log/agentsim/decisions.jsonl)."
	elseif legit[a] then
		msg = "That rule was denying requests long before the incident, as designed: those denials " ..
			"are legitimate. Look for the rule that denies researcher agents since the incident."
	else
		msg = "That is not the rule that denied the researchers' requests. Each decision in " ..
			"/var/log/agentsim/decisions.jsonl records the rule that made it."
	end
	add { id = "rule-identified", title = "The rule that caused the denials",
		weight = 150, pass = pass, message = msg, kind = "knowledge" }
end

-- 6. since when ------------------------------------------------------------

do
	local text, why = lab.answer("since.txt")
	local a = trim(text)
	local want, decoys = K.first_denial, K.decoys
	local pass, msg = false, nil
	local what = "the ts of the first decision in /var/log/agentsim/decisions.jsonl in which " ..
		"the faulty rule denied a researcher agent"
	if text == nil then
		msg = "~/answers/since.txt cannot be read (" .. tostring(why) .. "): write in it " .. what .. "."
	elseif a == nil or a == "" then
		msg = "~/answers/since.txt is empty: write in it " .. what .. "."
	elseif a:match("^[\"']") then
		msg = "~/answers/since.txt: write the bare timestamp, without quotes."
	elseif not a:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.?%d*Z$") then
		msg = "~/answers/since.txt must hold one RFC 3339 UTC timestamp, written as the log's ts " ..
			"field is (YYYY-MM-DDTHH:MM:SS.mmmZ), nothing else."
	elseif a == want then
		pass = true
		msg = "Right moment."
	elseif a:sub(1, 19) == want:sub(1, 19) then
		msg = "Copy the ts value exactly as the decision log writes it, fraction of a second included."
	else
		local kind = decoys[a:sub(1, 19)]
		if kind == "deploy" then
			msg = "That is when a deployment was logged, not when a denial was recorded: the question " ..
				"is about the decision log. Write " .. what .. "."
		elseif kind == "before" then
			msg = "That denial happened under the previous policy version and hit an untrusted agent: " ..
				"it was legitimate. Write " .. what .. "."
		elseif kind == "first-v7" then
			msg = "That is the first decision made under the new policy version, not a denial of a " ..
				"researcher agent. Write " .. what .. "."
		elseif kind == "untrusted" then
			msg = "That decision denied an untrusted agent, as intended, not a researcher agent. Write " ..
				what .. "."
		else
			msg = "That is not " .. what .. "."
		end
	end
	add { id = "since-identified", title = "When the denials started",
		weight = 150, pass = pass, message = msg, kind = "knowledge" }
end

return checks
