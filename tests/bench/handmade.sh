#!/bin/bash
# handmade.sh: the pipeline a team builds without labrun, the peer of one
# graded session in make bench (tests/bench/bench.sh):
#   minisign -V (the bundle's signature), tar -x, bwrap + the candidate's
#   script, a shell check of the result, tar -c of the changed tree,
#   sha256sum, minisign -S of the sums.
# handmade.sh WORK BUNDLE AUTHOR_PUB SIGNING_KEY SCRIPT CHECK_FILE CHECK_TEXT
#   CHECK_FILE (a path inside the session's root) must contain CHECK_TEXT.
set -euo pipefail
W=$1 B=$2 PUB=$3 KEY=$4 SCRIPT=$5 FILE=$6 TEXT=$7
rm -rf "$W" && mkdir -p "$W/b" "$W/root" "$W/out"
minisign -Vq -p "$PUB" -m "$B"
tar -xf "$B" -C "$W/b"
cp -a "$W/b/system/." "$W/root/"
mkdir -p "$W/root/home/candidate/answers"
bwrap --unshare-all --die-with-parent --bind "$W/root" / --ro-bind /usr /usr \
	--symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
	--proc /proc --dev /dev --tmpfs /tmp --setenv HOME /home/candidate \
	--chdir /home/candidate --ro-bind "$SCRIPT" /script.sh sh /script.sh
grep -q "$TEXT" "$W/root$FILE"
tar -cf "$W/out/evidence.tar" -C "$W/root" .
(cd "$W/out" && sha256sum evidence.tar >SHA256SUMS)
minisign -S -s "$KEY" -m "$W/out/SHA256SUMS" -H </dev/null >/dev/null
