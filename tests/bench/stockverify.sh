#!/bin/sh
# stockverify.sh: the stock route to check labrun evidence, the peer of
# `labrun verify` in make bench (tests/bench/bench.sh), as docs/evidence.md
# describes it: tar -x, minisign -V -H of SHA256SUMS, sha256sum -c.
# stockverify.sh WORKDIR EVIDENCE ISSUER_PUB
set -eu
rm -rf "$1" && mkdir -p "$1"
tar -xf "$2" -C "$1"
cd "$1"
minisign -Vq -H -p "$3" -m SHA256SUMS
sha256sum -c --quiet SHA256SUMS
