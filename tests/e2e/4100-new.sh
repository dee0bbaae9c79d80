#!/bin/bash
# labrun new: a scenario directory to start from.  The template is valid
# as it is and selftest qualifies it (a reference and one wrong solution);
# a library scenario is copied with its id renamed and its version reset,
# every other byte kept; nothing is ever overwritten; the library is found
# beside labrun or with --library.
. "$(dirname "$0")/../lib.sh"
cd "$T" || exit 1

expect_exit 0 "new from the template" "$LABRUN" new my-first
out_has '^new scenario my-first 0\.1\.0 in my-first, from the template$' "says what it wrote"
out_has 'labrun shell my-first' "points to labrun shell for exploring"
check "scenario.json names the id" grep -q '"id": "my-first"' my-first/scenario.json
check "the grader names the id in its first line" grep -q '^-- my-first grader' my-first/grader/grade.lua
check "the reference is executable" test -x my-first/solutions/reference.sh
check "one wrong solution, with its must-fail line" grep -qx '# must-fail: policy.validated-first' my-first/solutions/wrong-unvalidated.sh
expect_exit 0 "validate accepts the template as it is" "$LABRUN" validate my-first
expect_exit 0 "selftest qualifies the template as it is" "$LABRUN" selftest my-first
out_has '^qualified' "... qualified"
out_has '^wrong-unvalidated +fail +fail' "... the wrong solution fails"
make_keys
expect_exit 0 "pack signs the template" "$LABRUN" pack my-first -s "$T/author.key" -o "$T/my-first.lab"

cp my-first/scenario.json "$T/before.json"
expect_exit 1 "an existing directory is refused" "$LABRUN" new my-first
err_has '^labrun new: my-first: already exists; nothing written; hint: -o' "... naming it, with the fix"
check "... and left as it was" cmp my-first/scenario.json "$T/before.json"
: >"$T/afile"
expect_exit 1 "an existing file at -o is refused" "$LABRUN" new other -o "$T/afile"
check "... and left empty" test ! -s "$T/afile"
expect_exit 0 "-o names the directory" "$LABRUN" new other -o "$T/sub-dir"
check "... written there" grep -q '"id": "other"' "$T/sub-dir/scenario.json"

# From the library found beside labrun: build/labrun sees ../scenarios.
lib=$TOP/scenarios
expect_exit 0 "new --from a library scenario" "$LABRUN" new my-quarantine --from policy-quarantine
out_has "from $lib/policy-quarantine\$" "names where it came from"
check "its id is renamed" grep -q '"id": "my-quarantine"' my-quarantine/scenario.json
check "its version is reset" grep -q '"version": "0.1.0"' my-quarantine/scenario.json
sed -e 's/"id": "policy-quarantine"/"id": "my-quarantine"/' \
	-e 's/"version": "[^"]*"/"version": "0.1.0"/' "$lib/policy-quarantine/scenario.json" >"$T/want.json"
check "every other byte of scenario.json is kept (its layout too)" cmp "$T/want.json" my-quarantine/scenario.json
check "a fault's own id is not renamed" grep -q '"id": "bad-policy"' my-quarantine/scenario.json
check "every other file is copied as it is" \
	diff -r -x scenario.json "$lib/policy-quarantine" my-quarantine
expect_exit 0 "validate accepts the copy" "$LABRUN" validate my-quarantine
out_has '^my-quarantine: valid scenario my-quarantine 0\.1\.0' "... under its new id and version"

expect_exit 2 "an unknown library scenario is a usage error" "$LABRUN" new x --from no-such-scenario
err_has "no such scenario in the library $lib; hint: ls $lib" "... naming the library"
check "... and nothing is written" test ! -e x
expect_exit 2 "a library name cannot leave the library" "$LABRUN" new x --from ..
check "... and nothing is written" test ! -e x

# --library, and --from a directory path.
mkdir -p "$T/mylib"
cp -a my-first "$T/mylib/base-one"
expect_exit 0 "--library names another library" "$LABRUN" new y --from base-one --library "$T/mylib"
check "... copied from it" grep -q '"id": "y"' y/scenario.json
expect_exit 2 "a missing --library is a usage error" "$LABRUN" new z --from base-one --library "$T/nolib"
err_has "^labrun new: --library .*nolib" "... naming it"
expect_exit 0 "--from a directory path" "$LABRUN" new w --from "$T/mylib/base-one"
check "... copied from it" grep -q '"id": "w"' w/scenario.json

# A source validate refuses is refused, each problem named, nothing written.
cp -a my-first "$T/broken" && sed -i 's/"pass_mark": 800/"pass_mark": 8000/' "$T/broken/scenario.json"
expect_exit 1 "an invalid source is refused" "$LABRUN" new v --from "$T/broken"
err_has 'scenario.json: \$\.pass_mark' "... naming the problem"
err_has 'problem; nothing written' "... and that nothing was written"
check "... and nothing is" test ! -e v

# A labrun away from any library says where it looked.
mkdir -p "$T/bin" && cp "$LABRUN" "$T/bin/labrun"
expect_exit 2 "no library beside a lone labrun" "$T/bin/labrun" new u --from policy-quarantine
err_has "no scenario library beside labrun \(looked in .*scenarios\); hint: --library DIR" "... says where it looked and the fix"

done_testing
