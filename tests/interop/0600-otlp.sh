#!/bin/bash
# OpenTelemetry's own JavaScript library reads every trace the library's
# scenarios produce: each scenario with a scenario.json and the platform's
# service (agentd) runs briefly with its reference solution (labrun run
# --script, two at a time), its /var/log/agentd/spans.jsonl is taken out of
# the evidence (changes/), and 0600-otlp.js has
# @opentelemetry/otlp-transformer (tests/node, make deps) encode every
# line's spans as OTLP/JSON and OTLP/protobuf and read them back: the same
# ids, names, kinds, attributes, links, status and 64-bit times, exactly,
# under a resource with service.name.  Lines that are not OTLP as the
# Collector writes it (a time as a JSON number, snake_case names, a status
# as a string) are refused, naming the line.
. "$(dirname "$0")/../lib.sh"
NM=$TOP/tests/node/node_modules
command -v node >/dev/null || { skip "node is not installed"; done_testing; exit 0; }
[ -d "$NM/@opentelemetry/otlp-transformer" ] ||
	{ skip "no @opentelemetry/otlp-transformer under tests/node (make deps installs it)"; done_testing; exit 0; }
decode() { NODE_PATH=$NM node "$TOP/tests/interop/0600-otlp.js" "$@"; }
make_keys

# --- the library's traces ---------------------------------------------
# one_scenario DIR: run it with its reference solution; its spans in
# $T/spans/NAME.jsonl, labrun's output in $T/runs/NAME.out.
one_scenario() {
	local s=$1 name=${1##*/}
	"$LABRUN" run "$s" --key "$T/issuer.key" --candidate otlp \
		--seed 5eed0000000000000000000000000000000000000000000000000000000000a1 \
		--script "$s/solutions/reference.sh" -o "$T/runs/$name.ev" >"$T/runs/$name.out" 2>&1
	echo $? >"$T/runs/$name.rc"
	tar -xOf "$T/runs/$name.ev" changes/var/log/agentd/spans.jsonl >"$T/spans/$name.jsonl" 2>/dev/null ||
		rm -f "$T/spans/$name.jsonl"
}
mkdir -p "$T/runs" "$T/spans"
names=()
for s in "$TOP"/scenarios/*/; do
	s=${s%/}
	[ -f "$s/scenario.json" ] && [ -f "$s/solutions/reference.sh" ] || continue
	# a scenario without the platform's service writes no trace
	grep -q '"name": *"agentd"' "$s/scenario.json" || { skip "${s##*/}: no agentd, no trace"; continue; }
	names+=("${s##*/}")
	one_scenario "$s" &
	[ "$(jobs -rp | wc -l)" -ge 2 ] && wait -n
done
wait
[ ${#names[@]} -ge 8 ] && pass "${#names[@]} library scenarios ran" || fail "library scenarios ran (${#names[@]})"
for n in "${names[@]}"; do
	[ "$(cat "$T/runs/$n.rc")" = 0 ] && pass "$n: the reference solution passes, reading OTLP spans" ||
		OUT=$T/runs/$n.out ERR=/dev/null fail "$n: the reference solution passes, reading OTLP spans"
	if [ ! -s "$T/spans/$n.jsonl" ]; then
		OUT=$T/runs/$n.out ERR=/dev/null fail "$n: spans.jsonl in the evidence (labrun run exited $(cat "$T/runs/$n.rc"))"
		continue
	fi
	run decode "$T/spans/$n.jsonl"
	if [ "$rc" = 0 ]; then
		pass "$n: every line decodes with @opentelemetry/otlp-transformer"
		sed 's/^/# /' "$OUT"
	else
		fail "$n: every line decodes with @opentelemetry/otlp-transformer"
	fi
	grep -q ' 0 requests\| 0 spans' "$OUT" && fail "$n: no spans"
done

# --- the checks refuse what is not OTLP -----------------------------------
# A span of the platform's, then the same line broken each way: every
# broken one must fail, naming its line.
n=${names[0]}
head -1 "$T/spans/$n.jsonl" >"$T/good.jsonl"
run decode "$T/good.jsonl"
[ "$rc" = 0 ] && pass "one agentd line decodes" || fail "one agentd line decodes"
broken() { # broken DESC SED-EXPRESSION
	sed -e "$2" "$T/good.jsonl" >"$T/bad.jsonl"
	cmp -s "$T/good.jsonl" "$T/bad.jsonl" && { fail "refused: $1 (the edit changed nothing)"; return; }
	run decode "$T/bad.jsonl"
	[ "$rc" = 1 ] && grep -q "bad.jsonl:1.*FAIL\|FAIL.*bad.jsonl:1" "$OUT" && pass "refused, naming the line: $1" ||
		fail "refused, naming the line: $1"
}
broken "a start time as a JSON number" 's/"startTimeUnixNano":"\([0-9]*\)"/"startTimeUnixNano":\1/'
broken "a snake_case field" 's/"spanId"/"span_id"/'
broken "a status as a string" 's/"status":{[^}]*}/"status":"ok"/'
broken "no service.name" 's/"service.name"/"service"/'
broken "an integer attribute as a JSON number" 's/"intValue":"\([0-9]*\)"/"intValue":\1/; t; s/"stringValue":"agentd"/"intValue":7/'
broken "a field OTLP does not name" 's/"kind":/"spanKind":/'
printf '%s\n' '{"trace_id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","span_id":"a100000000000001","name":"x","start_unix_nano":1773320400000000001,"end_unix_nano":1773320400000000002,"status":"ok","attributes":{}}' >"$T/old.jsonl"
run decode "$T/old.jsonl"
[ "$rc" = 1 ] && grep -q "no field of request\|no resourceSpans" "$OUT" && pass "refused: a line in the style the platform wrote before OTLP" ||
	fail "refused: a line in the style the platform wrote before OTLP"
done_testing
