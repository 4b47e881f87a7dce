#!/bin/sh
# start-pcscd.sh - make sure pcscd runs with vsmartcard's vpcd virtual reader
# driver, so a soft card (cardbridge/cmd/softcard) can be "inserted" by
# connecting to 127.0.0.1:35963 (reader "Virtual PCD 00 00"; 35964 is
# "Virtual PCD 00 01"). Idempotent: does nothing when all is up.
#
#   start-pcscd.sh           start pcscd if needed; wait until vpcd listens
#   start-pcscd.sh status    exit 0 if ready, 1 if not
#   start-pcscd.sh stop      stop the pcscd this script started (if any)
#
# Needs: Debian packages pcscd and vsmartcard-vpcd (the driver registers in
# /etc/reader.conf.d/vpcd); root, as pcscd creates /run/pcscd.
# Env: VPCD_PORT (35963), PCSCD_LOG (/tmp/eportid-pcscd.log),
#      PCSCD_OURPID (/tmp/eportid-pcscd.pid).
#
# pcscd logs at error level only. Never run it with --apdu or --debug where
# real PINs pass: VERIFY APDUs carry the PIN in clear.
set -eu

PORT=${VPCD_PORT:-35963}
LOG=${PCSCD_LOG:-/tmp/eportid-pcscd.log}
OURPID=${PCSCD_OURPID:-/tmp/eportid-pcscd.pid}
PIDFILE=/run/pcscd/pcscd.pid
SOCKET=/run/pcscd/pcscd.comm

say() { echo "start-pcscd: $*" >&2; }

# listening: is a TCP socket listening on $PORT? Read /proc, never connect:
# vpcd would take a test connection for a card being inserted.
listening() {
	hex=$(printf '%04X' "$PORT")
	for f in /proc/net/tcp /proc/net/tcp6; do
		if [ -r "$f" ] && awk -v p=":$hex\$" '$2 ~ p && $4 == "0A" { found = 1 } END { exit !found }' "$f"; then
			return 0
		fi
	done
	return 1
}

running_pid() {
	if [ -r "$PIDFILE" ]; then
		pid=$(cat "$PIDFILE" 2>/dev/null || true)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			echo "$pid"
			return 0
		fi
	fi
	return 1
}

ready() { running_pid >/dev/null && [ -S "$SOCKET" ] && listening; }

wait_ready() { # $1: tenths of a second
	i=0
	while [ "$i" -lt "$1" ]; do
		ready && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

case "${1:-start}" in
status)
	if ready; then say "ready (pcscd $(running_pid), vpcd on $PORT)"; exit 0; fi
	say "not ready"
	exit 1
	;;
stop)
	if [ -r "$OURPID" ]; then
		pid=$(cat "$OURPID")
		if kill -0 "$pid" 2>/dev/null; then kill "$pid"; say "stopped pcscd $pid"; fi
		rm -f "$OURPID"
	else
		say "no pcscd started by this script"
	fi
	exit 0
	;;
start) ;;
*)
	echo "usage: $0 [start|status|stop]" >&2
	exit 2
	;;
esac

if ready; then
	say "ready (pcscd $(running_pid), vpcd on $PORT)"
	exit 0
fi

missing=""
command -v pcscd >/dev/null 2>&1 || missing="$missing pcscd"
driver=""
for f in /usr/lib/pcsc/drivers/serial/libifdvpcd.so /usr/lib/*/pcsc/drivers/serial/libifdvpcd.so; do
	[ -e "$f" ] && driver=$f
done
if [ -z "$driver" ] || [ ! -r /etc/reader.conf.d/vpcd ]; then
	missing="$missing vsmartcard-vpcd"
fi
if [ -n "$missing" ]; then
	say "missing:$missing -- install with: apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev"
	exit 1
fi

if pid=$(running_pid); then
	# Started a moment ago? Give vpcd time to open its port.
	if wait_ready 30; then
		say "ready (pcscd $pid, vpcd on $PORT)"
		exit 0
	fi
	if [ -r "$OURPID" ] && [ "$(cat "$OURPID")" = "$pid" ]; then
		say "our pcscd $pid has no vpcd on $PORT; restarting it"
		kill "$pid" || true
		sleep 0.5
	else
		say "pcscd $pid runs without a vpcd reader on port $PORT (started before vsmartcard-vpcd was installed?)."
		say "restart it (e.g. systemctl restart pcscd, or kill $pid) and run this again."
		exit 1
	fi
fi

if [ "$(id -u)" != 0 ]; then
	say "pcscd is not running and starting it needs root (run: sudo $0)"
	exit 1
fi

# A systemd machine: let systemd run it.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	say "starting pcscd through systemd"
	systemctl restart pcscd.service
	if wait_ready 100; then
		say "ready (pcscd $(running_pid), vpcd on $PORT)"
		exit 0
	fi
	say "systemd's pcscd did not bring up vpcd on $PORT"
	exit 1
fi

# No systemd (containers, CI): run it in the foreground, detached.
mkdir -p /run/pcscd
if command -v setsid >/dev/null 2>&1; then
	setsid pcscd --foreground --error </dev/null >>"$LOG" 2>&1 &
else
	nohup pcscd --foreground --error </dev/null >>"$LOG" 2>&1 &
fi
echo $! >"$OURPID"
if wait_ready 100; then
	running_pid >"$OURPID" # pcscd's own pid, should setsid have forked
	say "started pcscd $(cat "$OURPID"); vpcd on $PORT; log $LOG"
	exit 0
fi
say "pcscd did not come up with vpcd on $PORT within 10s; log $LOG:"
tail -n 20 "$LOG" >&2 || true
exit 1
