-- observability-lost-spans grader (grader API 1).
--
-- agentd's exporter drops spans (platform.span_loss, counted): a share
-- of them from 13:40 and again until `agentctl exporter restart`; and a
-- syscall fault hands the exporter's open of spans.jsonl for the minute of
-- the faulty deployment another file, so that minute never arrives.
-- Graded: the exporter restored, the export verified end to end after the
-- restart (a later `advance` whose spans reached the file, and a look at
-- the file in the supervisor's command log), and the chain of the first
-- exported refund denial,
-- whose root cause was never exported: its id survives only in the links
-- of the evaluations that point at it.  Every truth comes from the frozen
-- platform files, so it follows the session's seed; no message prints it.

local SPANS = lab.agentd.SPANS

local checks, add, platform_error, state, why = lab.agentd.begin()
local spans, swhy = lab.trace.load(SPANS)
if type(state) ~= "table" or type(state.exporter) ~= "table" or type(state.policy) ~= "table"
    or type(state.policy.history) ~= "table" or type(state.tasks) ~= "table" or not spans then
	platform_error("exporter.restored", "The exporter no longer drops spans", 2000,
		"state or spans cannot be read: " .. tostring(why or swhy or "malformed"))
	return checks
end

-- 1. The exporter restored by the operator.
local audit = lab.agentd.steps()
local restart_seq
for _, e in ipairs(audit) do
	if e.actor == "candidate" and e.exit == 0 and type(e.argv) == "table"
	    and e.argv[1] == "exporter" and e.argv[2] == "restart" then
		restart_seq = e.seq
	end
end
add(lab.check {
	id = "exporter.restored",
	title = "The exporter no longer drops spans",
	weight = 2000,
	pass = state.exporter.healthy == true and restart_seq ~= nil,
	message = (state.exporter.healthy == true and restart_seq) and ""
		or "the exporter still drops spans (`agentctl exporter status`)",
})

-- 2. Verified end to end: after the last restart, the workload ran
-- (`advance`) and that command's own span reached spans.jsonl, and so did
-- the span of the session's last command.
local verified, last
for _, e in ipairs(audit) do
	if e.actor == "candidate" and type(e.span_id) == "string" then
		last = e
		if restart_seq and e.seq > restart_seq and e.exit == 0 and type(e.argv) == "table"
		    and e.argv[1] == "advance" and spans.by_id[e.span_id] then
			verified = e
		end
	end
end
local arrived = last ~= nil and spans.by_id[last.span_id] ~= nil
-- ... and the operator looked: the supervisor's command log (not the
-- platform's) shows a program reading spans.jsonl after the last restart.
-- A look is a reading program (lab.readers) run on the file, by path:
-- a program that merely names the file, or a copy of one, is no look.
local restart_cmd
for i, c in ipairs(lab.commands) do
	if lab.runs(c, lab.agentd.CLI) and c.argv[2] == "exporter" and c.argv[3] == "restart" then
		restart_cmd = i
	end
end
local looked = restart_cmd ~= nil and lab.looked(SPANS, restart_cmd) ~= nil
add(lab.check {
	id = "runbook.verified",
	title = "The export was verified end to end after the restart",
	weight = 2000,
	pass = verified ~= nil and arrived and looked,
	message = not restart_seq and "the exporter was never restarted"
		or not verified and "after `agentctl exporter restart`, no `agentctl advance` whose spans reached spans.jsonl: a restart is not a fix until spans arrive where the operator reads them"
		or not arrived and "the spans of your last commands are not in spans.jsonl: the export was not working when you stopped"
		or not looked and "after the restart nothing you ran read /var/log/agentd/spans.jsonl (the command log): look at the file to see the new spans arrive"
		or "",
})

-- 3. The chain: the activation of the faulty version (not exported: its
-- id is in the links of the evaluations under it), the first exported
-- denial under it, and that evaluation's task.run (exported or not).
local bad
for i, h in ipairs(state.policy.history) do
	if i > 1 and not bad and h.by == "ci" and h.how == "deploy" then bad = h.version end
end
local act, deny
for _, s in ipairs(spans.list) do
	local a = s.attributes
	if s.name == "policy.evaluate" and a["policy.version"] == bad then
		if not act and type(s.links) == "table" and s.links[1] then act = s.links[1].span_id end
		if a.decision == "deny" and (not deny or s.start_unix_nano < deny.start_unix_nano) then deny = s end
	end
end
if not (act and deny and deny.parent_span_id ~= "") then
	platform_error("chain.reconstructed", "The causal chain of the first exported denial is reconstructed", 4000,
		"spans hold no denial under the faulty version")
	return checks
end
local truth = { act, deny.span_id, deny.parent_span_id }
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain of the first exported denial is reconstructed",
	weight = 4000,
	truth = truth,
	root_cause = "the first span is not the activation that caused the denials (look where the evaluations point, not only at what was exported)",
	incident = "the last span is not the run of the denied task",
})
return checks
