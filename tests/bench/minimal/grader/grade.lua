-- bench-minimal grader: one policy file, one answer.
-- Both checks are knowledge: the bench times a session, it does not certify.
local checks = {}
-- The bench's evidence-size curve writes /etc/app/blob* (tests/bench/
-- runner.sh): read, they are kept in the evidence as graded files too.
for _, name in ipairs(lab.list("/etc/app") or {}) do
	if name:match("^blob") then lab.read("/etc/app/" .. name) end
end
local policy = lab.json(lab.read("/etc/app/policy.json") or "")
local ok = type(policy) == "table" and policy.version == 1
checks[#checks + 1] = lab.check{
	id = "policy.restored", title = "Version 1 is in force", weight = 600, kind = "knowledge",
	pass = ok, message = ok and "" or "/etc/app/policy.json is not version 1"}
local a = lab.trim(lab.answer("version.txt") or "")
checks[#checks + 1] = lab.check{
	id = "version.named", title = "The version in force is named", weight = 400, kind = "knowledge",
	pass = a == "1", message = a == "1" and "" or "~/answers/version.txt must hold the version in force"}
return checks
