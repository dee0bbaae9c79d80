-- duplicate-effects grader (grader API 1).
--
-- Grades idempotency keys (sent again by the tool whose effects were
-- duplicated), the side-effect ledger (every duplicate reverted, no first
-- effect touched), the order of the operator's steps (keys on before any
-- revert: no new duplicates while cleaning up) and the candidate's chain
-- against the spans.  The truth comes from the frozen state.json and
-- spans, so it follows the session's seed; messages never print it.

local STATE = lab.agentd.STATE
local SPANS = lab.agentd.SPANS

local checks, add, platform_error, state, why = lab.agentd.begin()
if type(state) ~= "table" or type(state.effects) ~= "table" or type(state.tools) ~= "table" then
	platform_error("effects.deduplicated", "Every duplicate side effect is reverted", 3000,
		"state (" .. STATE .. ") cannot be read: " .. tostring(why or "malformed"))
	return checks
end

-- The duplicates, the tools they came from, the first one's pair.
local dups, open_dups, firsts_reverted, tool, first_dup = 0, 0, 0, nil, nil
local duplicated = {}
for _, e in ipairs(state.effects) do
	if type(e) == "table" and e.duplicate_of then
		dups = dups + 1
		duplicated[e.duplicate_of] = true
		if e.state ~= "reverted" then open_dups = open_dups + 1 end
		tool = tool or e.tool
		first_dup = first_dup or e
	end
end
for _, e in ipairs(state.effects) do
	if type(e) == "table" and not e.duplicate_of and e.state == "reverted" then
		firsts_reverted = firsts_reverted + 1
	end
end
if dups == 0 then
	platform_error("effects.deduplicated", "Every duplicate side effect is reverted", 3000,
		"ledger holds no duplicate effect")
	return checks
end

local keys_on = false
for _, t in ipairs(state.tools) do
	if type(t) == "table" and t.id == tool then keys_on = t.idempotency == true end
end
add(lab.check {
	id = "tool.keys-on",
	title = "The tool with duplicated effects gets idempotency keys again",
	weight = 2000,
	pass = keys_on,
	message = keys_on and "" or "the tool whose effects were duplicated still gets no idempotency keys: retries can repeat its effects",
})

add(lab.check {
	id = "effects.deduplicated",
	title = "Every duplicate side effect is reverted",
	weight = 3000,
	pass = open_dups == 0,
	points = 3000 * (dups - open_dups) // dups,
	message = open_dups == 0 and "" or string.format("%d of %d duplicate effects are still applied (`agentctl effects` lists them)",
		open_dups, dups),
})

add(lab.check {
	id = "effects.originals-kept",
	title = "No first effect of a step was reverted",
	weight = 2000,
	pass = firsts_reverted == 0,
	message = firsts_reverted == 0 and "" or string.format("%d effects that were the first of their step were reverted: those actions are now undone entirely",
		firsts_reverted),
})

-- The runbook: keys on before the first revert.
local keys_at, revert_at
for seq, e in ipairs(lab.agentd.steps()) do
	if type(e) == "table" and e.actor == "candidate" and type(e.argv) == "table" and e.exit == 0 then
		local a = e.argv
		if a[1] == "tool" and a[2] == "set" and a[3] == tool and a[4] == "idempotency" and a[5] == "on" then
			keys_at = keys_at or seq
		elseif a[1] == "effect" and a[2] == "revert" then
			revert_at = revert_at or seq
		end
	end
end
add(lab.check {
	id = "runbook.keys-first",
	title = "Idempotency keys were turned on before the clean-up began",
	weight = 1500,
	pass = keys_at ~= nil and revert_at ~= nil and keys_at < revert_at,
	message = (keys_at and revert_at and keys_at < revert_at) and ""
		or not keys_at and "idempotency keys were never turned on for the tool"
		or not revert_at and "no `agentctl effect revert` in the audit trail (steps count when run with the installed agentctl)"
		or "effects were reverted while retries could still repeat them: turn the keys on first",
})

-- The chain: the adapter change that stopped the keys, the call whose
-- effect was duplicated first, the retry that duplicated it.
local spans = lab.trace.load(SPANS)
local adapter, orig, dup
for _, s in ipairs(spans and spans.list or {}) do
	local a = s.attributes or {}
	if not adapter and s.name == "tool.adapter" and a["tool.name"] == tool and a["deploy.by"] == "ci" then
		adapter = s
	elseif s.name == "tool.call" and a["effect.id"] == first_dup.duplicate_of then
		orig = s
	elseif s.name == "tool.call" and a["effect.id"] == first_dup.id then
		dup = s
	end
end
if not (adapter and orig and dup) then
	platform_error("chain.reconstructed", "The causal chain is reconstructed", 2500,
		"spans hold no adapter change or no duplicated call")
	return checks
end
local truth = { adapter.span_id, orig.span_id, dup.span_id }
add(lab.trace.check {
	id = "chain.reconstructed",
	title = "The causal chain is reconstructed",
	weight = 2500,
	truth = truth,
	root_cause = "the first span is not the change that stopped the keys",
	incident = "the last span is not the call that applied the first duplicate",
})
return checks
