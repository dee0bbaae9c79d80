#!/bin/bash
# make bench's fixtures and peers still do what its rows claim: the minimal
# scenario (tests/bench/minimal) validates, its reference passes and its
# wrong solution fails; the stock verification route
# (tests/bench/stockverify.sh) accepts labrun's evidence and refuses a
# tampered copy; the hand-made pipeline (tests/bench/handmade.sh) runs the
# same reference and signs what it wrote.  No timing here: timings are
# make bench's, never a test's.
. "$(dirname "$0")/../lib.sh"
M=$TOP/tests/bench/minimal
BENCH=$TOP/tests/bench

make_keys || { fail "keygen"; done_testing; exit 1; }
expect_exit 0 "the minimal scenario validates" "$LABRUN" validate "$M"
expect_exit 0 "and packs" "$LABRUN" pack "$M" -s "$T/author.key" -o "$T/min.lab"
expect_exit 0 "its reference passes" "$LABRUN" run "$T/min.lab" --trust "$T/author.pub" \
	--key "$T/issuer.key" --candidate bench --script "$M/solutions/reference.sh" -o "$T/ref.ev"
check "the evidence holds the one file copied back" sh -c \
	"tar -xOf '$T/ref.ev' changes/etc/app/policy.json | grep -q '\"version\": 1'"
check "and the one answer" sh -c "[ \"\$(tar -xOf '$T/ref.ev' answers/version.txt)\" = 1 ]"
expect_exit 1 "its wrong solution fails" "$LABRUN" run "$T/min.lab" --trust "$T/author.pub" \
	--key "$T/issuer.key" --candidate bench --script "$M/solutions/wrong-answer-only.sh" -o "$T/wrong.ev"

if ! command -v minisign >/dev/null || ! command -v sha256sum >/dev/null; then
	skip "stockverify.sh: minisign or sha256sum missing (make deps)"
else
	expect_exit 0 "stockverify.sh accepts labrun's evidence" \
		"$BENCH/stockverify.sh" "$T/sv" "$T/ref.ev" "$T/issuer.pub"
	# One byte of a member changed, the archive otherwise intact.
	python3 - "$T/ref.ev" "$T/bad.ev" <<'PY'
import sys, tarfile, io
src = tarfile.open(sys.argv[1])
dst = tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT)
for m in src.getmembers():
    data = src.extractfile(m).read() if m.isfile() else None
    if m.name == "answers/version.txt":
        data = b"2\n"
        m.size = len(data)
    dst.addfile(m, io.BytesIO(data) if data is not None else None)
dst.close()
PY
	expect_exit 1 "stockverify.sh refuses a member changed after signing" \
		"$BENCH/stockverify.sh" "$T/sv" "$T/bad.ev" "$T/issuer.pub"
	expect_exit 1 "as labrun verify does" "$LABRUN" verify "$T/bad.ev" -p "$T/issuer.pub"
fi

if ! command -v bwrap >/dev/null || ! command -v minisign >/dev/null; then
	skip "handmade.sh: bwrap or minisign missing (make deps)"
else
	minisign -G -W -p "$T/mk.pub" -s "$T/mk.key" -f >/dev/null 2>&1 </dev/null
	expect_exit 0 "handmade.sh runs the reference and signs its result" \
		"$BENCH/handmade.sh" "$T/hm" "$T/min.lab" "$T/author.pub" "$T/mk.key" \
		"$M/solutions/reference.sh" /etc/app/policy.json '"version": 1'
	check "its signature verifies with stock minisign" \
		minisign -Vq -p "$T/mk.pub" -m "$T/hm/out/SHA256SUMS"
	check "and its sums with sha256sum" sh -c "cd '$T/hm/out' && sha256sum -c --quiet SHA256SUMS"
	expect_exit 1 "handmade.sh fails when the check does (the wrong solution)" \
		"$BENCH/handmade.sh" "$T/hm" "$T/min.lab" "$T/author.pub" "$T/mk.key" \
		"$M/solutions/wrong-answer-only.sh" /etc/app/policy.json '"version": 1'
fi
done_testing
