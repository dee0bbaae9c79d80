-- approval-threshold grader (grader API 1).
--
-- Grades the auto-approval threshold (back at its configured value), the
-- review of what it let through (every automatic approval of a tool at or
-- above the configured threshold rejected, none below it), the order of
-- the operator's steps (threshold first, so nothing more slips through
-- while reviewing) and the candidate's chain against the spans.  The truth
-- comes from the frozen state.json and spans; messages never print it.

local STATE = lab.agentd.STATE
local SPANS = lab.agentd.SPANS

local checks, add, platform_error, state, why = lab.agentd.begin()
local ap = type(state) == "table" and state.approvals
if type(ap) ~= "table" or type(ap.items) ~= "table" or type(ap.threshold_history) ~= "table" then
	platform_error("threshold.restored", "The auto-approval threshold is back at its configured value", 2500,
		"state (" .. STATE .. ") cannot be read: " .. tostring(why or "malformed"))
	return checks
end
local first = ap.threshold_history[1]
local configured = type(first) == "table" and first.how == "config" and tonumber(first.auto_approve_below)
if not configured then
	platform_error("threshold.restored", "The auto-approval threshold is back at its configured value", 2500,
		"threshold history holds no configured value")
	return checks
end

add(lab.check {
	id = "threshold.restored",
	title = "The auto-approval threshold is back at its configured value",
	weight = 2500,
	pass = ap.auto_approve_below == configured,
	message = ap.auto_approve_below == configured and ""
		or ap.auto_approve_below > configured and "high-risk escalations are still approved without a person"
		or "the threshold is below its configured value: low-risk work now waits for people (`agentctl approvals threshold` shows its history)",
})

-- What the threshold let through: automatic approvals of tools at or
-- above the configured threshold.
local risky, unreviewed, wrongly = 0, 0, 0
for _, a in ipairs(ap.items) do
	if type(a) == "table" and a.auto == true then
		if a.risk >= configured then
			risky = risky + 1
			if not a.reviewed then unreviewed = unreviewed + 1 end
		elseif a.reviewed then
			wrongly = wrongly + 1
		end
	end
end
if risky == 0 then
	platform_error("approvals.reviewed", "Every high-risk automatic approval was rejected on review", 3000,
		"approvals hold no high-risk automatic approval")
	return checks
end
add(lab.check {
	id = "approvals.reviewed",
	title = "Every high-risk automatic approval was rejected on review",
	weight = 3000,
	pass = unreviewed == 0,
	points = 3000 * (risky - unreviewed) // risky,
	message = unreviewed == 0 and "" or string.format("%d of %d high-risk actions approved without a person are not reviewed (`agentctl approvals auto`)",
		unreviewed, risky),
})
add(lab.check {
	id = "approvals.low-risk-kept",
	title = "Automatic approvals the configured threshold allows were left alone",
	weight = 1500,
	pass = wrongly == 0,
	message = wrongly == 0 and "" or string.format("%d approvals below the configured threshold were rejected and their work reverted", wrongly),
})

-- The runbook: the threshold restored before the first rejection.
local fixed_at, reject_at
for seq, e in ipairs(lab.agentd.steps()) do
	if type(e) == "table" and e.actor == "candidate" and type(e.argv) == "table" and e.exit == 0 then
		local a = e.argv
		if a[1] == "approvals" and a[2] == "threshold" and tonumber(a[3]) == configured then
			fixed_at = fixed_at or seq
		elseif a[1] == "approval" and a[2] == "reject" then
			reject_at = reject_at or seq
		end
	end
end
add(lab.check {
	id = "runbook.threshold-first",
	title = "The threshold was restored before the review began",
	weight = 1500,
	pass = fixed_at ~= nil and reject_at ~= nil and fixed_at < reject_at,
	message = (fixed_at and reject_at and fixed_at < reject_at) and ""
		or not fixed_at and "the threshold was never set back to its configured value"
		or not reject_at and "no `agentctl approval reject` in the audit trail (steps count when run with the installed agentctl)"
		or "the review began while high-risk actions were still approved automatically: restore the threshold first",
})

-- The chain: the threshold change by the pipeline, the first high-risk
-- request it approved automatically, the tool call that carried it out.
local spans = lab.trace.load(SPANS)
local change, req, call
for _, s in ipairs(spans and spans.list or {}) do
	local a = s.attributes or {}
	local link = type(s.links) == "table" and s.links[1] and s.links[1].span_id
	if not change and s.name == "approvals.threshold" and a["deploy.by"] == "ci" then
		change = s
	elseif change and not req and s.name == "approval.request" and a["approval.auto"] == "true"
	    and (a["tool.risk"] or 0) >= configured and link == change.span_id then
		req = s
	elseif req and not call and s.name == "tool.call" and s.parent_span_id == req.parent_span_id
	    and a["tool.name"] == req.attributes["tool.name"] then
		call = s
	end
end
if not call then
	platform_error("chain.reconstructed", "The causal chain is reconstructed", 2500,
		"spans hold no high-risk action approved automatically")
	return checks
end
local truth = { change.span_id, req.span_id, call.span_id }
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain is reconstructed",
	weight = 2500,
	truth = truth,
	root_cause = "the first span is not the change that approved high-risk actions automatically",
	incident = "the last span is not the tool call that carried out the first such action",
})
return checks
