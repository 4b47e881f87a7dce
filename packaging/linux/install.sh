#!/bin/sh
# Installs the eportid card bridge for the current user and starts it now and
# at every login (systemd user unit):
#   ./install.sh https://eportid.example.cn     (comma-separated for several origins)
#   ./install.sh                                 (the origin this package was built for, if any)
#   ./install.sh --uninstall
set -eu
cd "$(dirname "$0")"
bin=$HOME/.local/bin/eportid-cardbridge
unit=$HOME/.config/systemd/user/eportid-cardbridge.service
conf=$HOME/.config/eportid-cardbridge

if [ "${1:-}" = --uninstall ]; then
  systemctl --user disable --now eportid-cardbridge.service 2>/dev/null || true
  rm -f "$bin" "$unit"
  rm -rf "$conf"
  systemctl --user daemon-reload
  echo "eportid card bridge removed"
  exit 0
fi

origins=${1:-}
if [ -z "$origins" ] && [ -f default-origin ]; then origins=$(cat default-origin); fi
if [ -z "$origins" ]; then
  echo "usage: $0 https://eportid.example.cn   (the origin of the eportid site)" >&2
  exit 2
fi
case $origins in
  *[!A-Za-z0-9:/.,_-]*) echo "install.sh: $origins: want scheme://host[:port], comma-separated" >&2; exit 2 ;;
esac

install -D -m 755 eportid-cardbridge "$bin"
install -D -m 644 eportid-cardbridge.service "$unit"
mkdir -p "$conf"
if [ -f "$conf/env" ]; then
  args=$(sed -n 's/^CARDBRIDGE_ARGS=//p' "$conf/env")
else
  args=
fi
printf 'CARDBRIDGE_ORIGINS=%s\nCARDBRIDGE_ARGS=%s\n' "$origins" "$args" >"$conf/env"
systemctl --user daemon-reload
systemctl --user enable eportid-cardbridge.service
systemctl --user restart eportid-cardbridge.service
echo "eportid card bridge installed for $(id -un), allowing $origins; status: systemctl --user status eportid-cardbridge"
