#!/bin/bash
# demo.sh: what `make demo` shows: make an author key and an issuer key,
# pack the example scenario (research-fetch-denied, on the simulated agent
# platform) into a signed bundle, run its reference solution as a
# candidate would, verify the evidence with labrun and with stock tools,
# its credential with a standard W3C verifier, then show it and write its
# report page.  Everything goes under build/demo/.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
L=$TOP/build/labrun
D=$TOP/build/demo
S=$TOP/scenarios/research-fetch-denied
N=${S##*/}
step() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: sessions need root (each gets its own unprivileged id range); run: sudo make demo" >&2
	exit 3
fi
rm -rf "$D"
mkdir -p "$D"
step "keys: an author key signs scenarios, an issuer key signs evidence"
"$L" keygen -p "$D/author.pub" -s "$D/author.key"
"$L" keygen -p "$D/issuer.pub" -s "$D/issuer.key"

step "pack: validate and sign the example scenario"
"$L" pack "$S" -s "$D/author.key" -o "$D/$N.lab"
minisign -V -H -p "$D/author.pub" -m "$D/$N.lab"

step "run: the reference solution, as a candidate would type it"
set +e
"$L" run "$D/$N.lab" --trust "$D/author.pub" --key "$D/issuer.key" \
	--candidate demo@example.org --script "$S/solutions/reference.sh" \
	-o "$D/$N.evidence"
rc=$?
set -e
[ "$rc" -eq 0 ] || { echo "demo: the reference solution did not pass (exit $rc)" >&2; exit 1; }

step "verify: with labrun"
"$L" verify "$D/$N.evidence" -p "$D/issuer.pub"

step "verify: with stock tools only (tar, minisign, sha256sum)"
mkdir -p "$D/extracted"
tar -xf "$D/$N.evidence" -C "$D/extracted"
(cd "$D/extracted" && minisign -V -H -p "$D/issuer.pub" -m SHA256SUMS && sha256sum -c --quiet SHA256SUMS && echo "sha256sum: all members match")

step "credential: the pass as an Open Badges 3.0 credential, checked by a standard W3C verifier"
node "$TOP/tests/node/verify-vc.js" "$D/extracted/credential.json"
echo "the operator's did:key (pin it): $("$L" verify --did -p "$D/issuer.pub")"

step "show: what the evidence says, on one screen"
"$L" show "$D/$N.evidence" -p "$D/issuer.pub"

step "report: one self-contained page for an auditor"
"$L" report "$D/$N.evidence" -p "$D/issuer.pub" -o "$D/$N.html"

printf '\nverdict: pass\nevidence: %s\ncredential: %s\nreport: %s\n' \
	"$D/$N.evidence" "$D/extracted/credential.json" "$D/$N.html"
printf 'replay the terminal: asciinema play %s/extracted/session.cast\n' "$D"
