-- The system/ layer already holds the fixed config: the untouched state
-- passes, which selftest must refuse.
local cfg = lab.read("/etc/app/config.txt") or ""
local fixed = cfg:find("mode=fixed", 1, true) ~= nil
return {
  lab.check{id = "config-fixed", title = "The config is fixed", weight = 1000,
    pass = fixed,
    message = fixed and "mode is fixed" or "/etc/app/config.txt does not say mode=fixed"},
}
