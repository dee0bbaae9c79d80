#!/bin/sh
# deps.sh PKG...: install the Debian packages of the list that are missing.
# Needs root (or sudo); says what it installs.
set -eu
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all present"; exit 0; }
echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "deps: run as root to install:$missing" >&2; exit 3; fi
else SUDO=""; fi
export DEBIAN_FRONTEND=noninteractive
# Install without starting the packages' daemons (sshd, munged, slurmd):
# the tests start their own.  A host with no policy of its own gets one
# that refuses every start (101) for the time of the install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
	trap 'exit 130' INT TERM HUP
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
