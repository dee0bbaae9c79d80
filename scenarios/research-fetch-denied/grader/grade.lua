-- research-fetch-denied grader (grader API 1).
--
-- Grades the platform's state (the active policy), the operator's steps in
-- the platform's audit trail (validate before apply), the workload after
-- the fix (research tasks complete again) and the candidate's causal chain
-- against the one in the spans.  The truth is derived from the frozen
-- platform, so it follows the session's seed; messages never print it.

local STATE = lab.agentd.STATE
local SPANS = lab.agentd.SPANS

local checks, add, platform_error, state, why = lab.agentd.begin()
if type(state) ~= "table" or type(state.policy) ~= "table" or type(state.policy.history) ~= "table" then
	platform_error("policy.last-good", "The last good policy is in force", 3000,
		"state (" .. STATE .. ") cannot be read: " .. tostring(why or "malformed"))
	return checks
end

-- The faulty version: the last one the pipeline (ci) deployed; the good
-- one: the version in force before it.
local bad, good
for i, h in ipairs(state.policy.history) do
	if h.by == "ci" and h.how == "deploy" and i > 1 then
		bad, good = h.version, state.policy.history[i - 1].version
	end
end
if not bad then
	platform_error("policy.last-good", "The last good policy is in force", 3000,
		"history holds no faulty deployment")
	return checks
end

add(lab.check {
	id = "policy.last-good",
	title = "The last good policy version is in force",
	weight = 3000,
	pass = state.policy.active == good,
	message = state.policy.active == good and "" or state.policy.active == bad and "the faulty version is still in force"
		or "the version in force is not the one that worked before the deployment",
})

-- The runbook: an operator's validate of the good version, then its apply.
local validated, applied_at, apply_before_validate = false, nil, false
for _, e in ipairs(lab.agentd.steps()) do
	if type(e) == "table" and e.actor == "candidate" and type(e.argv) == "table"
	    and e.argv[1] == "policy" and e.exit == 0 then
		local v = tostring(e.argv[3] or ""):gsub("^v", "")
		if e.argv[2] == "validate" and v == tostring(good) then
			validated = true
		elseif e.argv[2] == "apply" and v == tostring(good) and not applied_at then
			applied_at = e.ts
			apply_before_validate = not validated
		end
	end
end
add(lab.check {
	id = "runbook.validated-first",
	title = "The version was validated before it was applied",
	weight = 2000,
	pass = applied_at ~= nil and not apply_before_validate,
	message = (applied_at and not apply_before_validate) and "" or applied_at == nil and "no `agentctl policy apply` of the last good version in the audit trail (steps count when run with the installed agentctl)"
		or "the version was applied before it was validated",
})

-- The workload: research tasks complete after the fix.
local recovered = 0
for _, t in ipairs(type(state.tasks) == "table" and state.tasks or {}) do
	if t.kind == "research" and t.state == "done" and applied_at and lab.time.after(t.updated, applied_at) then
		recovered = recovered + 1
	end
end
add(lab.check {
	id = "workload.recovered",
	title = "Research tasks complete again",
	weight = 2000,
	pass = recovered >= 2,
	message = recovered >= 2 and "" or applied_at and "no research task completed after the fix; let the platform run (`agentctl advance 600`)"
		or "the fix was not applied",
})

-- The chain: truth from the spans, compared with partial credit.
local spans = lab.trace.load(SPANS)
local act, deny
for _, s in ipairs(spans and spans.list or {}) do
	local a = s.attributes or {}
	if not act and s.name == "policy.activate" and a["policy.version"] == bad and a["deploy.by"] == "ci" then
		act = s
	elseif act and not deny and s.name == "policy.evaluate" and a.decision == "deny"
	    and a["agent.role"] == "researcher" and type(s.links) == "table"
	    and s.links[1] and s.links[1].span_id == act.span_id then
		deny = s
	end
end
if not deny then
	platform_error("chain.reconstructed", "The causal chain is reconstructed", 3000,
		"spans hold no denial under the faulty version")
	return checks
end
local truth = { act.span_id, deny.span_id, deny.parent_span_id }
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain is reconstructed",
	weight = 3000,
	truth = truth,
	root_cause = "the first span is not the activation that caused the denials",
	incident = "the last span is not the failed task's run",
})
return checks
