-- model-drift-gate grader (grader API 1).
--
-- Grades the model in service (the version before the provider's
-- upgrade), the evaluation gate (back at its configured quality), the
-- operator's steps in the audit trail (evaluate, contain by rolling back,
-- then repair the gate), the workload after the fix and the candidate's
-- causal chain against the one in the spans.  The truth comes from the
-- frozen platform (state.json's histories, the spans), so it follows the
-- session's seed; messages never print it.

local STATE = lab.agentd.STATE
local SPANS = lab.agentd.SPANS

local checks, add, platform_error, state, why = lab.agentd.begin()
local model
for _, m in ipairs(type(state) == "table" and type(state.models) == "table" and state.models or {}) do
	if type(m) == "table" and type(m.history) == "table" and type(m.gate) == "table"
	    and type(m.gate.history) == "table" then
		model = m
	end
end
if not model then
	platform_error("model.good-version", "The last good model version is in service", 3000,
		"state (" .. STATE .. ") cannot be read or names no gated model: " .. tostring(why or "malformed"))
	return checks
end

-- The faulty version: the provider's last upgrade; the good one: the
-- version in service before it.  The gate's good value: the configured one.
local bad, good
for i, h in ipairs(model.history) do
	if h.by == "provider" and h.how == "upgrade" and i > 1 then
		bad, good = h.version, model.history[i - 1].version
	end
end
local gate_good = model.gate.history[1] and model.gate.history[1].how == "config" and model.gate.history[1].min_quality
gate_good = tonumber(gate_good)
if not bad or not gate_good then
	platform_error("model.good-version", "The last good model version is in service", 3000,
		"history holds no provider upgrade or no configured gate")
	return checks
end

add(lab.check {
	id = "model.good-version",
	title = "The version in service before the upgrade is back in service",
	weight = 3000,
	pass = model.active == good,
	message = model.active == good and "" or model.active == bad and "the upgraded version is still in service"
		or "the version in service is not the one that worked before the provider's upgrade",
})

add(lab.check {
	id = "gate.restored",
	title = "The evaluation gate is back at its configured quality",
	weight = 2000,
	pass = model.gate.min_quality >= gate_good,
	message = model.gate.min_quality >= gate_good and ""
		or model.gate.min_quality == 0 and "the gate is still open: any new version would be promoted"
		or "the gate is lower than the quality the platform was configured with (`agentctl model gate` shows its history)",
})

-- The runbook, from the audit trail: an evaluation, then containment (a
-- rollback or a pin to the good version), then the gate.
local eval_at, contain_at, gate_at
local audit = lab.agentd.steps()
for seq, e in ipairs(audit) do
	if type(e) == "table" and e.actor == "candidate" and type(e.argv) == "table"
	    and e.argv[1] == "model" and e.exit == 0 then
		local sub = e.argv[2]
		if sub == "eval" and not eval_at then
			eval_at = seq
		elseif (sub == "rollback" or (sub == "pin" and e.argv[4] == good)) and not contain_at then
			contain_at = seq
		elseif sub == "gate" and e.argv[4] and not gate_at
		    and (tonumber(e.argv[4]) or -1) >= gate_good then
			gate_at = seq
		end
	end
end
add(lab.check {
	id = "runbook.evaluated-first",
	title = "A version was evaluated before the model was changed",
	weight = 1000,
	pass = eval_at ~= nil and contain_at ~= nil and eval_at < contain_at,
	message = (eval_at and contain_at and eval_at < contain_at) and ""
		or not contain_at and "no `agentctl model rollback` or pin to the good version in the audit trail (steps count when run with the installed agentctl)"
		or "no `agentctl model eval` before the model was rolled back or pinned",
})
add(lab.check {
	id = "runbook.contained-first",
	title = "The harm was stopped (rollback) before the gate was repaired",
	weight = 1500,
	pass = contain_at ~= nil and gate_at ~= nil and contain_at < gate_at,
	message = (contain_at and gate_at and contain_at < gate_at) and ""
		or not contain_at and "the model was never rolled back or pinned to the good version"
		or not gate_at and "the gate was never set back"
		or "the gate was repaired while the faulty version kept serving: roll back first, then fix the gate",
})

-- The workload: tasks complete after the rollback.
local contain_ts = contain_at and audit[contain_at].ts
local recovered = 0
for _, t in ipairs(type(state.tasks) == "table" and state.tasks or {}) do
	if t.state == "done" and contain_ts and lab.time.after(t.updated, contain_ts) then
		recovered = recovered + 1
	end
end
add(lab.check {
	id = "workload.recovered",
	title = "Tasks complete again",
	weight = 1000,
	pass = recovered >= 3,
	message = recovered >= 3 and "" or contain_ts and "too few tasks completed after the rollback; let the platform run (`agentctl advance 600`)"
		or "the model was not rolled back",
})

-- The chain: the gate change by the pipeline, the promotion it let
-- through, the first plan that failed under the promoted version, and
-- that plan's task.run.
local spans = lab.trace.load(SPANS)
local gate, promo, plan
for _, s in ipairs(spans and spans.list or {}) do
	local a = s.attributes or {}
	local link = type(s.links) == "table" and s.links[1] and s.links[1].span_id
	if not gate and s.name == "model.gate" and a["deploy.by"] == "ci" then
		gate = s
	elseif gate and not promo and s.name == "model.promote" and a["deploy.how"] == "upgrade"
	    and a["gate.decision"] == "pass" and link == gate.span_id then
		promo = s
	elseif promo and not plan and s.name == "agent.plan" and s.status == "error" and link == promo.span_id then
		plan = s
	end
end
if not plan then
	platform_error("chain.reconstructed", "The causal chain is reconstructed", 2500,
		"spans hold no failed plan under the promoted version")
	return checks
end
local truth = { gate.span_id, promo.span_id, plan.span_id, plan.parent_span_id }
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain is reconstructed",
	weight = 2500,
	truth = truth,
	root_cause = "the first span is not the change that let the faulty version through",
	incident = "the last span is not the failing task's run",
})
return checks
