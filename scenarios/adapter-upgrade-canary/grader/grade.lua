-- adapter-upgrade-canary grader (grader API 1).
--
-- Grades the adapter in service (the vendor's fixed version), the
-- change-management runbook in the audit trail (roll back to stop the
-- harm, canary the fix at a small share, watch it serve calls, then roll
-- it out), recovery after the rollout, and the candidate's chain.  The
-- truth comes from the frozen state.json (the adapter history), the
-- configuration (which version carries no argument bug) and the spans, so
-- it follows the session's seed; messages never print it.

local STATE = lab.agentd.STATE
local CONFIG = lab.agentd.CONFIG
local SPANS = lab.agentd.SPANS

local checks, add, platform_error, state, why = lab.agentd.begin()
local config = lab.agentd.json(CONFIG)
local tool, configured, broken
for _, t in ipairs(type(state) == "table" and type(state.tools) == "table" and state.tools or {}) do
	if type(t) == "table" and type(t.adapter_history) == "table" then
		for i, h in ipairs(t.adapter_history) do
			if i == 1 and h.how == "config" then configured = h.adapter end
			if h.by == "ci" and h.how == "upgrade" and not broken then
				tool, broken = t, h.adapter
			end
		end
	end
end
local fixed
for _, t in ipairs(type(config) == "table" and type(config.tools) == "table" and config.tools or {}) do
	if tool and t.id == tool.id then
		for _, a in ipairs(t.adapters or {}) do
			if a.version ~= configured and a.version ~= broken and (a.bad_args_pm or 0) == 0 then
				fixed = a.version
			end
		end
	end
end
if not (tool and configured and broken and fixed) then
	platform_error("adapter.fixed-version", "The fixed adapter serves every call", 2500,
		"state (" .. STATE .. ") or configuration holds no adapter upgrade: " .. tostring(why or "malformed"))
	return checks
end

add(lab.check {
	id = "adapter.fixed-version",
	title = "The fixed adapter serves every call",
	weight = 2500,
	pass = tool.adapter == fixed and tool.canary == lab.null,
	message = (tool.adapter == fixed and tool.canary == lab.null) and ""
		or tool.adapter == broken and "the adapter the upgrade brought is still in service"
		or tool.adapter == configured and "the tool is back on its old adapter, but the upgrade's fix was never rolled out"
		or "a canary is still running: finish the rollout",
})

-- The runbook, from the audit trail (entries carry their span: its start
-- is the command's time on the platform's clock).
local spans = lab.trace.load(SPANS)
local rollback_at, canary_at, canary_pct, rollout_at, rollout_span, premature = nil, nil, nil, nil, nil, false
local audit = lab.agentd.steps()
for seq, e in ipairs(audit) do
	if type(e) == "table" and e.actor == "candidate" and type(e.argv) == "table" and e.exit == 0
	    and e.argv[1] == "tool" and e.argv[3] == tool.id then
		local sub, v = e.argv[2], e.argv[4]
		if not rollback_at and (sub == "rollback" or (sub == "adapter" and v == configured)) then
			rollback_at = seq
		elseif sub == "canary" and v == fixed and not canary_at then
			local pct = tonumber(e.argv[5])
			if pct and pct >= 1 and pct <= 50 then canary_at, canary_pct = seq, pct end
		elseif sub == "adapter" and v == fixed and not rollout_at then
			rollout_at, rollout_span = seq, e.span_id
			premature = not canary_at
		end
	end
end
add(lab.check {
	id = "runbook.rollback-first",
	title = "The broken adapter was rolled back before anything new was tried",
	weight = 2000,
	pass = rollback_at ~= nil and (canary_at == nil or rollback_at < canary_at)
		and (rollout_at == nil or rollback_at < rollout_at),
	message = (rollback_at and (not canary_at or rollback_at < canary_at) and (not rollout_at or rollback_at < rollout_at)) and ""
		or not rollback_at and "the broken adapter was never rolled back: it kept failing calls while the fix was tried"
		or "a new version was tried while the broken adapter still served calls: roll back first",
})
add(lab.check {
	id = "runbook.canaried",
	title = "The fix ran as a canary on a small share of the calls before the rollout",
	weight = 2000,
	pass = canary_at ~= nil and rollout_at ~= nil and canary_at < rollout_at,
	message = (canary_at and rollout_at and canary_at < rollout_at) and ""
		or not rollout_at and "the fix was never rolled out to every call"
		or premature and "the fix went to every call without a canary first (`agentctl tool canary`, at most 50%)"
		or "no canary of the fix at 1 to 50% of the calls",
})

-- Watched: the canary served calls before the rollout.
local served = 0
local rollout_ns = rollout_span and spans and spans.by_id[rollout_span] and spans.by_id[rollout_span].start_unix_nano
for _, s in ipairs(spans and spans.list or {}) do
	local a = s.attributes or {}
	if s.name == "tool.call" and a["adapter.canary"] == "true" and a["adapter.version"] == fixed
	    and rollout_ns and s.start_unix_nano < rollout_ns then
		served = served + 1
	end
end
add(lab.check {
	id = "runbook.observed",
	title = "The canary served calls before the rollout was decided",
	weight = 1000,
	pass = served >= 3,
	message = served >= 3 and "" or not rollout_ns and "the fix was never rolled out"
		or not canary_at and "the rollout had no canary to judge the fix by"
		or "the rollout followed the canary before it had served enough calls to judge: let the platform run (`agentctl advance`) and compare (`agentctl tool show`)",
})

-- Recovery: invoices complete after the rollout.
local done = 0
local rollout_ts = rollout_at and audit[rollout_at].ts
for _, t in ipairs(type(state.tasks) == "table" and state.tasks or {}) do
	if rollout_ts and t.state == "done" and lab.time.after(t.updated, rollout_ts) then done = done + 1 end
end
add(lab.check {
	id = "workload.recovered",
	title = "Tasks complete on the fixed adapter",
	weight = 1000,
	pass = done >= 5,
	message = done >= 5 and "" or rollout_ts and "too few tasks completed after the rollout; let the platform run (`agentctl advance 600`)"
		or "the fix was never rolled out",
})

-- The chain: the upgrade, the first call it failed, that call's task.run.
local up, call
for _, s in ipairs(spans and spans.list or {}) do
	local a = s.attributes or {}
	local link = type(s.links) == "table" and s.links[1] and s.links[1].span_id
	if not up and s.name == "tool.adapter" and a["deploy.by"] == "ci" and a["tool.name"] == tool.id then
		up = s
	elseif up and not call and s.name == "tool.call" and s.status == "error"
	    and a["adapter.version"] == broken and link == up.span_id then
		call = s
	end
end
if not call then
	platform_error("chain.reconstructed", "The causal chain is reconstructed", 2500,
		"spans hold no call failed by the upgraded adapter")
	return checks
end
local truth = { up.span_id, call.span_id, call.parent_span_id }
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain is reconstructed",
	weight = 2500,
	truth = truth,
	root_cause = "the first span is not the change that broke the tool",
	incident = "the last span is not the failing task's run",
})
return checks
