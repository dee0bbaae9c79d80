-- Deliberately lenient: "not broken" is taken for "fixed", so a config
-- that is gone passes.  selftest must catch it through
-- solutions/wrong-delete-config.sh.
local cfg = lab.read("/etc/app/config.txt") or ""
local cause = lab.trim(lab.answer("cause.txt") or "")
local fixed = cfg:find("mode=broken", 1, true) == nil
return {
  lab.check{id = "config-fixed", title = "The config is fixed", weight = 600,
    pass = fixed,
    message = fixed and "mode is no longer broken" or "/etc/app/config.txt still says mode=broken"},
  lab.check{id = "cause-named", title = "The cause is named", weight = 400,
    pass = cause == "typo",
    message = cause == "typo" and "right cause" or "~/answers/cause.txt does not name the cause"},
}
