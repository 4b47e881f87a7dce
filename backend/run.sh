#!/bin/sh
# run.sh - what `make run` starts: the eportid server and, where this
# machine has them, the IC card side for development:
#   pcscd with the vpcd virtual reader (cardbridge/testenv/start-pcscd.sh),
#   a demo legal-person soft card whose certificate the server's CA issues,
#   registered with its enterprise in the database (backend/cmd/democard;
#   its PIN is printed), and the card bridge allowing the server's origin;
#   for 制卡 at the agent point, a blank soft card in vpcd's second slot
#   and a second bridge on that reader for the review console, which has
#   an origin of its own (REVIEW_ADDR).
# What is missing is said, and the server starts anyway. Ctrl-C stops all.
#
# Env: ADDR (127.0.0.1:8080), REVIEW_ADDR (localhost:8081: another host
# name than ADDR's, so that the two origins keep their own cookies), GO (go),
# BIN (var/bin), EPORTID_BASE_URL,
# DATABASE_URL, EPORTID_CA_DIR, EPORTID_CARDBRIDGE_ADDR (127.0.0.1:34567),
# EPORTID_VPCD_PORT (35963: the vpcd reader slot the demo card goes into;
# 35964 is the second),
# EPORTID_NO_CARD=1 (skip the card side).
#
# The demo card is registered before the server starts, so the server's
# demo data finds its enterprise and gives it an approved legal-person
# filing (backend/server/demo_filing.go).
set -u
cd "$(dirname "$0")/.."
ADDR=${ADDR:-127.0.0.1:8080}
GO=${GO:-go}
BIN=${BIN:-var/bin}
BRIDGE_ADDR=${EPORTID_CARDBRIDGE_ADDR:-127.0.0.1:34567}
REVIEW_ADDR=${REVIEW_ADDR:-localhost:8081}
REVIEW_ORIGIN=http://$REVIEW_ADDR
ISSUE_BRIDGE_ADDR=127.0.0.1:34568
BLANK_PORT=35964
VPCD_PORT=${EPORTID_VPCD_PORT:-35963}
ORIGIN=${EPORTID_BASE_URL:-http://$ADDR}
ORIGIN=${ORIGIN%/}
mkdir -p "$BIN" var

pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

say() { echo "make run: $*"; }

card_side() {
	if [ "${EPORTID_NO_CARD:-}" = 1 ]; then
		say "EPORTID_NO_CARD=1: IC 卡部分未启动"
		return
	fi
	# The bridge talks PC/SC through pcsc-lite: cgo and libpcsclite-dev.
	if [ "$($GO env CGO_ENABLED)" != 1 ] || ! command -v "$($GO env CC | cut -d' ' -f1)" >/dev/null 2>&1 ||
		! { pkg-config --exists libpcsclite 2>/dev/null || [ -r /usr/include/PCSC/winscard.h ]; }; then
		say "未找到 C 编译器或 libpcsclite-dev：无法构建读卡服务 cardbridge，IC 卡登录不可用；安装 gcc libpcsclite-dev pcscd vsmartcard-vpcd 后重试"
		return
	fi
	# Checked on vpcd's first slot, whichever slot the card takes:
	# start-pcscd.sh restarts a pcscd it started that lacks its port.
	if ! out=$(sh cardbridge/testenv/start-pcscd.sh 2>&1); then
		echo "$out" | sed 's/^/  /'
		if echo "$out" | grep -q missing; then
			say "未找到 pcscd / vpcd：IC 卡登录不可用；安装 pcscd vsmartcard-vpcd 后重试"
		else
			say "pcscd / vpcd 未就绪：IC 卡登录不可用（见上）"
		fi
		return
	fi
	if ! $GO build -o "$BIN/cardbridge" ./cardbridge/cmd/cardbridge || ! $GO build -o "$BIN/democard" ./backend/cmd/democard ||
		! $GO build -o "$BIN/softcard" ./cardbridge/cmd/softcard; then
		say "读卡服务 cardbridge 或演示卡构建失败：IC 卡登录不可用"
		return
	fi
	# The demo card: made (or renewed) and registered first, then in the reader.
	if ! "$BIN/democard" -setup; then
		say "演示卡准备失败：IC 卡登录不可用"
		return
	fi
	"$BIN/democard" -vpcd "127.0.0.1:$VPCD_PORT" >var/democard.log 2>&1 &
	pids="$pids $!"
	"$BIN/cardbridge" -addr "$BRIDGE_ADDR" -origins "$ORIGIN" >var/cardbridge.log 2>&1 &
	pids="$pids $!"
	# The agent point: a blank card (kept in var/blank-card.json; delete the
	# file for a new blank card once it is personalised) in the second slot,
	# and a bridge on that reader that lets the review console issue cards.
	if [ "$VPCD_PORT" != "$BLANK_PORT" ]; then
		"$BIN/softcard" -file var/blank-card.json -blank -addr "127.0.0.1:$BLANK_PORT" >var/blankcard.log 2>&1 &
		pids="$pids $!"
		"$BIN/cardbridge" -addr "$ISSUE_BRIDGE_ADDR" -reader "Virtual PCD 00 01" -origins "$REVIEW_ORIGIN" \
			-issuer-origins "$REVIEW_ORIGIN" -ca-cert "${EPORTID_CA_DIR:-var/ca}/ca.crt" >var/cardbridge-issue.log 2>&1 &
		pids="$pids $!"
		REVIEW_BRIDGE=ws://$ISSUE_BRIDGE_ADDR
	fi
	sleep 1
	for p in $pids; do
		if ! kill -0 "$p" 2>/dev/null; then
			say "演示卡或读卡服务未能启动，见 var/democard.log、var/cardbridge.log："
			tail -n 5 var/democard.log var/cardbridge.log 2>/dev/null | sed 's/^/  /'
			return
		fi
	done
	say "读卡服务 cardbridge 在 ws://$BRIDGE_ADDR（允许 $ORIGIN），演示卡已插入虚拟读卡器；日志 var/cardbridge.log、var/democard.log"
	say "拔出演示卡：停止 make run（Ctrl-C）；IC 卡登录：打开 $ORIGIN/ →【IC 卡登录】"
	if [ -n "${REVIEW_BRIDGE:-}" ]; then
		say "制卡：审批控制台 $REVIEW_ORIGIN/review ，空白卡在第二个虚拟读卡器（var/blank-card.json；制卡后删除该文件并重启可得新的空白卡）"
	fi
}

REVIEW_BRIDGE=""
card_side
EPORTID_ADDR=$ADDR EPORTID_REVIEW_ADDR=$REVIEW_ADDR EPORTID_REVIEW_URL=$REVIEW_ORIGIN EPORTID_CARDBRIDGE_URL=${EPORTID_CARDBRIDGE_URL:-ws://$BRIDGE_ADDR} \
	EPORTID_REVIEW_CARDBRIDGE_URL=$REVIEW_BRIDGE "./$BIN/eportid" &
server=$!
pids="$pids $server"
wait "$server"
