-- security-leaked-credential grader (grader API 1).
--
-- The payments adapter logs its request headers, the API key among them.
-- Graded: the leak stopped (debug off), the key rotated, the order (stop
-- the leak, then rotate, so that the new key never reaches the log), a
-- new policy in force that keeps payments away from the ops role while
-- support still refunds, that policy validated before it was applied, and
-- the causal chain of the first leaked request an ops agent made.  Every
-- truth comes from the frozen platform files, so it follows the session's
-- seed; no message prints it.

local STATE = lab.agentd.STATE
local LOG = lab.agentd.LOG
local SPANS = lab.agentd.SPANS
local TOOL, SECRET = "payments.refund", "payments-api-key"
local OLD_VERSIONS = 2 -- versions on file before the incident
local jsonl = lab.agentd.jsonl

local checks, add, platform_error, state, why = lab.agentd.begin()
if type(state) ~= "table" or type(state.tools) ~= "table" or type(state.secrets) ~= "table"
    or type(state.policy) ~= "table" or type(state.policy.history) ~= "table" then
	platform_error("leak.stopped", "The adapter no longer logs request headers", 1500,
		"state (" .. STATE .. ") cannot be read: " .. tostring(why or "malformed"))
	return checks
end

-- 1. The leak stopped.
local debug_on
for _, t in ipairs(state.tools) do
	if t.id == TOOL then debug_on = t.debug_headers end
end
add(lab.check {
	id = "leak.stopped",
	title = "The adapter no longer logs request headers",
	weight = 1500,
	pass = debug_on == false,
	message = debug_on == false and "" or "payments.refund's adapter still logs its request headers, the key among them",
})

-- 2. The key rotated.
local secret
for _, s in ipairs(state.secrets) do
	if s.id == SECRET then secret = s end
end
local rotated = secret ~= nil and type(secret.rotations) == "number" and secret.rotations > 0
add(lab.check {
	id = "secret.rotated",
	title = "The leaked key was rotated",
	weight = 1500,
	pass = rotated,
	message = rotated and "" or "the leaked key is still the one in force: anyone who read the log can use it",
})

-- 3. Stop the leak, then rotate: the key in force never reached the log.
local log = jsonl(LOG)
local last_leak
for _, e in ipairs(log) do
	if e.msg == "outgoing request" and e.component == TOOL and type(e.ts) == "string" then
		if lab.time.parse(e.ts) and (not last_leak or lab.time.after(e.ts, last_leak)) then last_leak = e.ts end
	end
end
local audit = lab.agentd.steps()
local off_seq, rotate_seq
for _, e in ipairs(audit) do
	local w = e.argv
	if e.actor == "candidate" and e.exit == 0 and type(w) == "table" then
		if w[1] == "tool" and w[2] == "set" and w[3] == TOOL and w[4] == "debug" and w[5] == "off" then
			off_seq = off_seq or e.seq
		elseif w[1] == "secret" and w[2] == "rotate" and w[3] == SECRET then
			rotate_seq = e.seq
		end
	end
end
local new_key_leaked = rotated and last_leak ~= nil and not lab.time.after(secret.rotated, last_leak)
	and lab.time.parse(secret.rotated) ~= nil
add(lab.check {
	id = "runbook.stop-then-rotate",
	title = "The leak was stopped before the key was rotated",
	weight = 1500,
	pass = off_seq ~= nil and rotate_seq ~= nil and off_seq < rotate_seq and not new_key_leaked,
	message = not off_seq and "no `agentctl tool set ... debug off` in the audit trail (steps count when run with the installed agentctl)"
		or not rotate_seq and "no `agentctl secret rotate` in the audit trail (steps count when run with the installed agentctl)"
		or (new_key_leaked or rotate_seq < off_seq) and "the key was rotated while the adapter still logged its headers: the new key is in the log too; stop the leak, then rotate again"
		or "",
})

-- 4. The policy in force keeps payments away from ops, and support still
-- refunds.  Its rules are read from the version file agentd stored.
local function match(pattern, s)
	local p = "^" .. pattern:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0"):gsub("%*", ".*") .. "$"
	return s:find(p) ~= nil
end
local function decide(pol, role, tool)
	for _, r in ipairs(type(pol.rules) == "table" and pol.rules or {}) do
		local rm, tm = false, false
		for _, p in ipairs(type(r.roles) == "table" and r.roles or {}) do
			if type(p) == "string" and match(p, role) then rm = true end
		end
		for _, p in ipairs(type(r.tools) == "table" and r.tools or {}) do
			if type(p) == "string" and match(p, tool) then tm = true end
		end
		if rm and tm then return r.effect end
	end
	return pol.default
end
local active = state.policy.active
local ptext = type(active) == "number" and lab.read("/etc/agentd/policies/v" .. active .. ".json")
local pol = ptext and lab.json(ptext)
local pmsg
if type(active) ~= "number" or active <= OLD_VERSIONS then
	pmsg = "the policy in force is not a new version: ops agents may still issue refunds"
elseif type(pol) ~= "table" then
	platform_error("policy.ops-contained", "A new policy keeps payments away from ops", 2000,
		"policy file of the active version cannot be read")
	return checks
else
	local ops = decide(pol, "ops", TOOL)
	pmsg = (ops ~= "deny" and ops ~= "escalate") and "in the policy in force, ops agents may still call payments.refund unreviewed"
		or decide(pol, "support", TOOL) ~= "allow" and "the policy in force stops support's refunds too: the fix must not take the payments desk down"
		or decide(pol, "researcher", "web.fetch") ~= "allow" and "the policy in force breaks what it should not touch: researchers can no longer fetch"
		or ""
end
add(lab.check {
	id = "policy.ops-contained",
	title = "A new policy keeps payments away from ops",
	weight = 2000,
	pass = pmsg == "",
	message = pmsg,
})

-- 5. The new policy file was validated before it was applied.
local validated, apply_ok, apply_first = {}, false, false
for _, e in ipairs(audit) do
	local w = e.argv
	if e.actor == "candidate" and e.exit == 0 and type(w) == "table" and w[1] == "policy" and type(e.file) == "string" then
		if w[2] == "validate" then
			validated[e.file] = true
		elseif w[2] == "apply" then
			if validated[e.file] then apply_ok = true else apply_first = true end
		end
	end
end
add(lab.check {
	id = "runbook.validated-first",
	title = "The new policy was validated before it was applied",
	weight = 1000,
	pass = apply_ok and not apply_first,
	message = (apply_ok and not apply_first) and "" or apply_first and "a policy file was applied without `agentctl policy validate FILE` first"
		or "no new policy file was applied (`agentctl policy apply FILE`)",
})

-- 6. The chain of the first leaked request an ops agent made: the
-- activation of the policy that allowed it, the evaluation, the call.
local spans = lab.trace.load(SPANS)
local role_of = {}
for _, s in ipairs(spans and spans.list or {}) do
	if s.name == "task.run" and type(s.attributes["agent.role"]) == "string" and not role_of[s.trace_id] then
		role_of[s.trace_id] = s.attributes["agent.role"]
	end
end
local trace
for _, e in ipairs(log) do
	if not trace and e.msg == "outgoing request" and e.component == TOOL and role_of[e.trace_id] == "ops" then
		trace = e.trace_id
	end
end
local eval, call
for _, s in ipairs(spans and spans.list or {}) do
	if s.trace_id == trace and s.attributes["tool.name"] == TOOL then
		if s.name == "policy.evaluate" and (not eval or s.start_unix_nano < eval.start_unix_nano) then eval = s end
		if s.name == "tool.call" and (not call or s.start_unix_nano < call.start_unix_nano) then call = s end
	end
end
local link = eval and type(eval.links) == "table" and eval.links[1]
if not (call and link) then
	platform_error("chain.reconstructed", "The causal chain of the first leaked ops request is reconstructed", 2500,
		"spans and log hold no complete trace of a leaked request by ops")
	return checks
end
local truth = { link.span_id, eval.span_id, call.span_id }
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain of the first leaked ops request is reconstructed",
	weight = 2500,
	truth = truth,
	root_cause = "the first span is not the activation of the policy that allowed the request",
	incident = "the last span is not the request whose headers were logged",
})
return checks
