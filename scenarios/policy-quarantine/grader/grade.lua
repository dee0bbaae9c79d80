-- policy-quarantine grader (grader API 1).
--
-- The pipeline deployed a policy version that lets triage agents export
-- customer records without the human review the previous version asked
-- for.  Graded: the agents that exported unreviewed are quarantined, the
-- operator's order (quarantine, then validate, then apply the rollback)
-- from the audit trail, the last good version in force, no unreviewed
-- export after the rollback, the audit (which exports, which rule) and
-- the causal chain of the first unreviewed export.  Every truth comes from
-- the frozen platform files, so it follows the session's seed; no message
-- prints it.

local SPANS = lab.agentd.SPANS
local TOOL = "crm.export"

local checks, add, platform_error, state, why = lab.agentd.begin()
local spans = lab.trace.load(SPANS)
if type(state) ~= "table" or type(state.policy) ~= "table" or type(state.policy.history) ~= "table"
    or type(state.agents) ~= "table" or type(state.tasks) ~= "table" or not spans then
	platform_error("contain.quarantined", "The agents that exported unreviewed were quarantined until the rollback", 2000,
		"state or spans cannot be read: " .. tostring(why or "malformed"))
	return checks
end

-- The faulty version: the first one the pipeline deployed after the
-- initial one; the good one: the version in force before it.
local bad, good
for i, h in ipairs(state.policy.history) do
	if i > 1 and not bad and h.by == "ci" and h.how == "deploy" then
		bad, good = h.version, state.policy.history[i - 1].version
	end
end
if not bad then
	platform_error("contain.quarantined", "The agents that exported unreviewed were quarantined until the rollback", 2000,
		"history holds no faulty deployment")
	return checks
end

-- The harm: exports the bad version allowed without review, by trace.
local task_of = {}
for _, t in ipairs(state.tasks) do task_of[t.trace_id] = t.id end
local offenders, noffenders, harmful, nharmful, first_eval, rule = {}, 0, {}, 0, nil, nil
for _, s in ipairs(spans.list) do
	local a = s.attributes
	if s.name == "policy.evaluate" and a["tool.name"] == TOOL and a.decision == "allow"
	    and a["policy.version"] == bad then
		if not offenders[a["agent.id"]] then noffenders = noffenders + 1 end
		offenders[a["agent.id"]] = true
		local task = task_of[s.trace_id]
		if task and not harmful[task] then
			harmful[task] = true
			nharmful = nharmful + 1
		end
		if not first_eval or s.start_unix_nano < first_eval.start_unix_nano then first_eval = s end
		rule = rule or a["policy.rule"]
	end
end
if not first_eval then
	platform_error("contain.quarantined", "The agents that exported unreviewed were quarantined until the rollback", 2000,
		"spans hold no unreviewed export under the faulty version")
	return checks
end

-- 2. The order of the operator's steps: every offender quarantined, then
-- the good version validated, then applied (or rolled back to).
local quarantined_seq, released_seq, validated_seq, applied_seq = {}, {}, nil, nil
for _, e in ipairs(lab.agentd.steps()) do
	if e.actor == "candidate" and e.exit == 0 and type(e.argv) == "table" then
		local w = e.argv
		if w[1] == "agent" and w[2] == "quarantine" and offenders[w[3]] and not quarantined_seq[w[3]] then
			quarantined_seq[w[3]] = e.seq
		elseif w[1] == "agent" and w[2] == "release" and offenders[w[3]] and not released_seq[w[3]] then
			released_seq[w[3]] = e.seq
		elseif w[1] == "policy" and w[2] == "validate" and tostring(w[3] or ""):gsub("^v", "") == tostring(good)
		    and not applied_seq then
			validated_seq = validated_seq or e.seq
		elseif w[1] == "policy" and not applied_seq and ((w[2] == "apply"
		    and tostring(w[3] or ""):gsub("^v", "") == tostring(good)) or w[2] == "rollback") then
			applied_seq = e.seq
		end
	end
end
-- 1. Containment: every offender quarantined, and not released before
-- the rollback was in force.
local held = 0
for id in pairs(offenders) do
	if quarantined_seq[id] and (not released_seq[id] or (applied_seq and released_seq[id] > applied_seq)) then
		held = held + 1
	end
end
add(lab.check {
	id = "contain.quarantined",
	title = "The agents that exported unreviewed were quarantined until the rollback",
	weight = 2000,
	pass = held == noffenders,
	points = 2000 * held // noffenders,
	message = held == noffenders and "" or string.format(
		"%d of %d agents that exported customer records without review were quarantined and kept there until the rollback", held, noffenders),
})

local contained_before = applied_seq ~= nil
for id in pairs(offenders) do
	if not quarantined_seq[id] or quarantined_seq[id] > (validated_seq or applied_seq or 0) then
		contained_before = false
	end
end
local order_msg = not applied_seq and "no rollback to the last good version (`agentctl policy apply vN` or `policy rollback`) in the audit trail (steps count when run with the installed agentctl)"
	or not validated_seq and "the last good version was applied without `agentctl policy validate` first"
	or validated_seq > applied_seq and "the last good version was validated only after it was applied"
	or not contained_before and "the rollback began before every agent that exported without review was quarantined: contain first, then change the policy"
	or ""
add(lab.check {
	id = "runbook.order",
	title = "Quarantine, then validate, then roll back",
	weight = 2000,
	pass = order_msg == "",
	points = (applied_seq and validated_seq and validated_seq < applied_seq) and 1000 or 0,
	message = order_msg,
})

-- 3. The last good version in force.
add(lab.check {
	id = "policy.rolled-back",
	title = "The last good policy version is in force",
	weight = 1500,
	pass = state.policy.active == good,
	message = state.policy.active == good and "" or state.policy.active == bad and "the faulty version is still in force"
		or "the version in force is not the one that was in force before the deployment",
})

-- 4. No unreviewed export after the rollback.
local after = 0
local rollback_ts
for _, h in ipairs(state.policy.history) do
	if h.version == good and h.by == "candidate" then rollback_ts = rollback_ts or h.at end
end
for _, t in ipairs(state.tasks) do
	if harmful[t.id] and rollback_ts and lab.time.after(t.updated, rollback_ts) then after = after + 1 end
end
add(lab.check {
	id = "exports.stopped",
	title = "No unreviewed export after the rollback",
	weight = 1000,
	pass = rollback_ts ~= nil and after == 0,
	message = not rollback_ts and "the policy that allows unreviewed exports was never rolled back"
		or after > 0 and string.format("%d unreviewed exports happened after the rollback", after) or "",
})

-- 5. The audit: which exports were unreviewed, and the rule that let them.
local listed, right, extra = {}, 0, 0
for line in (lab.answer("effects.txt") or ""):gmatch("[^\n]+") do
	local id = lab.trim(line)
	if id ~= "" and not listed[id] then
		listed[id] = true
		if harmful[id] then right = right + 1 else extra = extra + 1 end
	end
end
local score = math.max(0, right - extra)
add(lab.check {
	id = "audit.effects",
	title = "The unreviewed exports are listed",
	weight = 1500,
	pass = right == nharmful and extra == 0,
	points = 1500 * score // nharmful,
	message = (right == nharmful and extra == 0) and "" or lab.answer("effects.txt") == nil
		and "no ~/answers/effects.txt (one task id per line, such as task-00042)"
		or string.format("%d of %d unreviewed exports listed; %d listed that are not", right, nharmful, extra),
	kind = "knowledge",
})
local named = lab.trim(lab.answer("rule.txt") or "")
add(lab.check {
	id = "audit.rule",
	title = "The rule that let the exports through is named",
	weight = 500,
	pass = named == rule,
	message = named == rule and "" or named == "" and "no ~/answers/rule.txt (the rule id, one line)"
		or "that is not the rule that allowed the unreviewed exports",
	kind = "knowledge",
})

-- 6. The chain: the activation of the faulty version, the first
-- evaluation that let an export through unreviewed, and that export.
local call
for _, s in ipairs(spans.list) do
	if s.trace_id == first_eval.trace_id and s.name == "tool.call" and s.attributes["tool.name"] == TOOL
	    and s.start_unix_nano >= first_eval.start_unix_nano
	    and (not call or s.start_unix_nano < call.start_unix_nano) then
		call = s
	end
end
local link = type(first_eval.links) == "table" and first_eval.links[1]
if not call or not link then
	platform_error("chain.reconstructed", "The causal chain of the first unreviewed export is reconstructed", 2000,
		"spans hold no complete trace of the first unreviewed export")
	return checks
end
local truth = { link.span_id, first_eval.span_id, call.span_id }
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain of the first unreviewed export is reconstructed",
	weight = 2000,
	truth = truth,
	root_cause = "the first span is not the activation that caused the exports",
	incident = "the last span is not the export itself",
})
return checks
