-- prelude: the part of the `lab` API (grader_api 1) written in Lua, run in
-- every grader's state before grade.lua, with the C part of `lab` and the
-- context (lab.commands, lab.session, lab.keys) already in place.  It reads
-- no file itself and keeps its own references, so a grader that replaces a
-- `lab` field changes only what it calls itself.
local lab = ...

local commands = lab.commands
local read = lab.read
local error, ipairs, select, type = error, ipairs, select, type
local math_type = math.type
local find, match, sub, byte = string.find, string.match, string.sub, string.byte
local gmatch, concat = string.gmatch, table.concat
local max_message = lab.limits.message

setmetatable(lab.null, {
	__metatable = "lab.null",
	__tostring = function() return "lab.null" end,
	__newindex = function() error("lab.null cannot be changed", 2) end,
})

-- lab.time.after(a, b): true when a and b are both RFC 3339 times and a is
-- the later instant.  A value that is not a time (the candidate rewrote a
-- platform file) makes it false, never an error: "done after the fix"
-- cannot be shown by a time that cannot be read.
local time_parse = lab.time.parse
function lab.time.after(a, b)
	local x, y = time_parse(a), time_parse(b)
	return x ~= nil and y ~= nil and x > y
end

-- lab.answer(name): /home/candidate/answers/NAME, or nil, reason.  The name
-- is one file name: candidate-chosen text must not walk elsewhere.
function lab.answer(name)
	if type(name) ~= "string" then
		error("lab.answer: the name must be a string", 2)
	end
	if name == "" or name == "." or name == ".." or find(name, "/", 1, true)
	    or find(name, "\0", 1, true) then
		return nil, "not an answer file name"
	end
	return read("/home/candidate/answers/" .. name)
end

-- Does command c run program prog?  A program is what the kernel ran
-- (c.exe, or the link c.link it was run through), never the name the
-- caller gave it (argv[1]): prog is an absolute path, equal to one of
-- them, or a name, equal to the last component of one of them.  Only a
-- trusted command counts (the candidate could not have written the
-- program or chosen its name) whose arguments are the ones it started
-- with (c.verified is not false).
local function runs(c, prog)
	if type(c) ~= "table" or c.trusted ~= true or c.verified == false then
		return false
	end
	local exe, link = c.exe, c.link
	if find(prog, "/", 1, true) then
		return exe == prog or link == prog
	end
	return (type(exe) == "string" and match(exe, "[^/]*$") == prog)
	    or (type(link) == "string" and match(link, "[^/]*$") == prog)
end

-- argv[2..] contains want[1..n] in this order (not necessarily adjacent).
local function has_args(c, want)
	local n = #want
	if n == 0 then
		return true
	end
	local argv = c.argv
	if type(argv) ~= "table" then
		return false
	end
	local j = 1
	for i = 2, #argv do
		if argv[i] == want[j] then
			j = j + 1
			if j > n then
				return true
			end
		end
	end
	return false
end

local function wanted(fname, prog, ...)
	if type(prog) ~= "string" then
		error(fname .. ": the program must be a string", 3)
	end
	local want = { ... }
	for i = 1, select("#", ...) do
		if type(want[i]) ~= "string" then
			error(fname .. ": argument " .. (i + 1) .. " must be a string", 3)
		end
	end
	return want
end

-- lab.ran(prog, ...) -> index, command of the first match, or nil.
function lab.ran(prog, ...)
	local want = wanted("lab.ran", prog, ...)
	for i, c in ipairs(commands) do
		if runs(c, prog) and has_args(c, want) then
			return i, c
		end
	end
	return nil
end

-- lab.ran_all(prog, ...) -> array of the indices of every match.
function lab.ran_all(prog, ...)
	local want = wanted("lab.ran_all", prog, ...)
	local found = {}
	for i, c in ipairs(commands) do
		if runs(c, prog) and has_args(c, want) then
			found[#found + 1] = i
		end
	end
	return found
end

-- lab.runs(command, prog) -> true when the command ran prog (as lab.ran
-- decides it), for graders that walk lab.commands themselves.
function lab.runs(c, prog)
	if type(prog) ~= "string" then
		error("lab.runs: the program must be a string", 2)
	end
	return runs(c, prog) and true or false
end

-- Programs that show what a file holds: a command that runs one of them
-- with the file as an argument looked at it.  A grader may pass its own.
lab.readers = {
	"cat", "tac", "head", "tail", "less", "more", "most", "view", "vi", "vim",
	"nano", "grep", "egrep", "fgrep", "rgrep", "zgrep", "zcat", "wc", "jq",
	"awk", "gawk", "mawk", "nawk", "sed", "cut", "sort", "uniq", "nl", "od",
	"xxd", "hexdump", "strings", "diff", "cmp", "column", "fold", "fmt",
}

-- An argument as a path, absolute and without "." or ".." (nil when it
-- cannot be made so: a relative one without a known cwd).
local function as_path(arg, cwd)
	if type(arg) ~= "string" or arg == "" or sub(arg, 1, 1) == "-" then
		return nil
	end
	if sub(arg, 1, 1) ~= "/" then
		if type(cwd) ~= "string" then
			return nil
		end
		arg = cwd .. "/" .. arg
	end
	local parts = {}
	for comp in gmatch(arg, "[^/]+") do
		if comp == ".." then
			parts[#parts] = nil
		elseif comp ~= "." then
			parts[#parts + 1] = comp
		end
	end
	return "/" .. concat(parts, "/")
end

-- lab.looked(path [, after [, readers]]) -> index, command of the first
-- command after index `after` (default 0) that ran one of `readers`
-- (default lab.readers) with `path` as an argument (absolute, or relative
-- to where it ran), or nil.  It shows the candidate asked to see the
-- file; it cannot show what they read into it.
function lab.looked(path, after, readers)
	if type(path) ~= "string" or sub(path, 1, 1) ~= "/" then
		error("lab.looked: the path must be an absolute path", 2)
	end
	if after ~= nil and math_type(after) ~= "integer" then
		error("lab.looked: 'after' must be an integer index", 2)
	end
	readers = readers or lab.readers
	if type(readers) ~= "table" then
		error("lab.looked: 'readers' must be a list of programs", 2)
	end
	for i, c in ipairs(commands) do
		if i > (after or 0) then
			local reader = false
			for _, r in ipairs(readers) do
				if type(r) == "string" and runs(c, r) then
					reader = true
					break
				end
			end
			if reader and type(c.argv) == "table" then
				for k = 2, #c.argv do
					if as_path(c.argv[k], c.cwd) == path then
						return i, c
					end
				end
			end
		end
	end
	return nil
end

-- A message over the bound is cut at a character boundary and says so:
-- graders quote candidate text, and its length is the candidate's choice.
local function cut(msg)
	if #msg <= max_message then
		return msg
	end
	local mark = " [cut]"
	local n = max_message - #mark
	while n > 0 do
		local b = byte(msg, n + 1)
		if b == nil or b < 0x80 or b >= 0xc0 then
			break
		end
		n = n - 1
	end
	return sub(msg, 1, n) .. mark
end

local function common(fname, t)
	if type(t) ~= "table" then
		error(fname .. ": expects a table {id=, title=, weight=, ...}", 3)
	end
	if type(t.id) ~= "string" then
		error(fname .. ": 'id' must be a string", 3)
	end
	if type(t.title) ~= "string" then
		error(fname .. ": 'title' must be a string (check " .. t.id .. ")", 3)
	end
	if math_type(t.weight) ~= "integer" then
		error(fname .. ": 'weight' must be an integer (check " .. t.id .. ")", 3)
	end
	if t.message ~= nil and type(t.message) ~= "string" then
		error(fname .. ": 'message' must be a string (check " .. t.id .. ")", 3)
	end
	if t.kind ~= nil and t.kind ~= "remediation" and t.kind ~= "knowledge" then
		error(fname .. ": 'kind' must be \"remediation\" or \"knowledge\" (check "
		      .. t.id .. ")", 3)
	end
	return cut(t.message or "")
end

-- lab.check{id=, title=, weight=, pass=, points=, message=, kind=}
function lab.check(t)
	local message = common("lab.check", t)
	if type(t.pass) ~= "boolean" then
		error("lab.check: 'pass' must be true or false (check " .. t.id .. ")", 2)
	end
	if t.points ~= nil and math_type(t.points) ~= "integer" then
		error("lab.check: 'points' must be an integer (check " .. t.id .. ")", 2)
	end
	local points
	if t.pass then
		points = t.weight
	else
		points = t.points or 0
	end
	return {
		id = t.id,
		title = t.title,
		weight = t.weight,
		status = t.pass and "pass" or "fail",
		points = points,
		message = message,
		kind = t.kind or "remediation",
	}
end

-- lab.error_check{id=, title=, weight=, message=}: a check that could not
-- be judged because of the platform; the run's verdict becomes "error".
function lab.error_check(t)
	local message = common("lab.error_check", t)
	return {
		id = t.id,
		title = t.title,
		weight = t.weight,
		status = "error",
		points = 0,
		message = message,
		kind = t.kind or "remediation",
	}
end
