-- orchestration-fallback grader (grader API 1).
--
-- web.fetch's upstream answers with a sign-in page (behaviour.lua), so
-- research tasks fail.  The safe fallback is the operator's: disable
-- web.fetch so that its configured fallback, cache.fetch, takes the calls,
-- then retry the tasks that failed for good.  Graded: the fallback in
-- force, containment before the retries (audit trail), the failed tasks
-- recovered, new research tasks completing, and the causal chain of the
-- first task that failed for good.  Every truth comes from the frozen
-- platform files, so it follows the session's seed; no message prints it.

local STATE = lab.agentd.STATE
local LOG = lab.agentd.LOG
local SPANS = lab.agentd.SPANS
local TOOL, FALLBACK = "web.fetch", "cache.fetch"
local SYMPTOM = "unexpected response"
local jsonl = lab.agentd.jsonl

local checks, add, platform_error, state, why = lab.agentd.begin()
if type(state) ~= "table" or type(state.tools) ~= "table" or type(state.tasks) ~= "table" then
	platform_error("fallback.in-force", "web.fetch is disabled and its fallback serves", 2000,
		"state (" .. STATE .. ") cannot be read: " .. tostring(why or "malformed"))
	return checks
end

-- 1. The fallback in force.
local enabled = {}
for _, t in ipairs(state.tools) do enabled[t.id] = t.enabled end
add(lab.check {
	id = "fallback.in-force",
	title = "web.fetch is disabled and its fallback serves",
	weight = 2000,
	pass = enabled[TOOL] == false and enabled[FALLBACK] == true,
	message = enabled[TOOL] ~= false and "web.fetch is still enabled: research tasks still call it and get the sign-in page"
		or enabled[FALLBACK] ~= true and "cache.fetch is disabled: with both off, research tasks have nothing to call"
		or "",
})

-- 2. The runbook: contain (disable) before retrying.
local disabled_at, early_retries, retries = nil, 0, 0
for _, e in ipairs(lab.agentd.steps()) do
	if e.actor == "candidate" and e.exit == 0 and type(e.argv) == "table" then
		if e.argv[1] == "tool" and e.argv[2] == "disable" and e.argv[3] == TOOL and not disabled_at then
			disabled_at = e.ts
		elseif e.argv[1] == "task" and e.argv[2] == "retry" then
			retries = retries + 1
			if not disabled_at then early_retries = early_retries + 1 end
		end
	end
end
add(lab.check {
	id = "runbook.contained-first",
	title = "The failing tool was contained before tasks were retried",
	weight = 1500,
	pass = disabled_at ~= nil and retries > 0 and early_retries == 0,
	points = (disabled_at ~= nil and early_retries == 0) and 500 or 0,
	message = not disabled_at and "no `agentctl tool disable` of the failing tool in the audit trail (steps count when run with the installed agentctl)"
		or early_retries > 0 and string.format("%d task retries ran before the tool was disabled: they met the same failure again; contain first, then retry", early_retries)
		or retries == 0 and "the tool was disabled, but no failed task was retried afterwards"
		or "",
})

-- 3. The tasks that failed for good on the sign-in page are done now.
local log = jsonl(LOG)
local failed, nfailed, first_failure = {}, 0, nil
for _, e in ipairs(log) do
	if e.msg == "task failed" and type(e.error) == "string" and e.error:find(SYMPTOM, 1, true)
	    and type(e.task) == "string" then
		if not failed[e.task] then nfailed = nfailed + 1 end
		failed[e.task] = true
		first_failure = first_failure or e
	end
end
local done = 0
for _, t in ipairs(state.tasks) do
	if failed[t.id] and t.state == "done" then done = done + 1 end
end
if nfailed == 0 then
	platform_error("tasks.recovered", "The tasks that failed for good were retried and completed", 2000,
		"log (" .. LOG .. ") holds no task that failed on web.fetch")
else
	add(lab.check {
		id = "tasks.recovered",
		title = "The tasks that failed for good were retried and completed",
		weight = 2000,
		pass = done == nfailed,
		points = 2000 * done // nfailed,
		message = done == nfailed and "" or string.format(
			"%d of %d research tasks that failed on web.fetch's response are done; `agentctl tasks failed` lists the rest",
			done, nfailed),
	})
end

-- 4. New research tasks complete through the fallback.
local fresh = 0
for _, t in ipairs(state.tasks) do
	if t.kind == "research" and t.state == "done" and disabled_at and lab.time.after(t.created, disabled_at) then
		fresh = fresh + 1
	end
end
add(lab.check {
	id = "workload.recovered",
	title = "New research tasks complete through the fallback",
	weight = 1500,
	pass = fresh >= 2,
	message = fresh >= 2 and "" or not disabled_at and "the failing tool was never disabled"
		or "fewer than two research tasks arrived and completed after the fix; let the platform run (`agentctl advance 600`) and check",
})

-- 5. The chain of the first task that failed for good: the first failed
-- web.fetch call, then the task's three runs in order.
local spans = lab.trace.load(SPANS)
local truth
if spans and first_failure and type(first_failure.trace_id) == "string" then
	local call, runs = nil, {}
	for _, s in ipairs(spans.list) do
		if s.trace_id == first_failure.trace_id then
			local a = s.attributes
			if s.name == "tool.call" and a["tool.name"] == TOOL and s.status == "error"
			    and (not call or s.start_unix_nano < call.start_unix_nano) then
				call = s
			elseif s.name == "task.run" and type(a["task.attempt"]) == "number" then
				local n = a["task.attempt"]
				-- a retry by the operator starts counting again: keep the first run of each number
				if not runs[n] or s.start_unix_nano < runs[n].start_unix_nano then runs[n] = s end
			end
		end
	end
	if call and runs[1] and runs[2] and runs[3] then
		truth = { call.span_id, runs[1].span_id, runs[2].span_id, runs[3].span_id }
	end
end
if not truth then
	platform_error("chain.reconstructed", "The causal chain of the first failed task is reconstructed", 3000,
		"spans hold no complete trace of the first failed task")
	return checks
end
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain of the first failed task is reconstructed",
	weight = 3000,
	truth = truth,
	root_cause = "the first span is not the failed tool call that started it",
	incident = "the last span is not the run in which the task failed for good",
})
return checks
