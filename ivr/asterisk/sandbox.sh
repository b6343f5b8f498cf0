#!/usr/bin/env bash
# sandbox.sh: the development and test Asterisk 22, run from a Debian chroot.
#
#   sandbox.sh build    make the chroot once (debootstrap trixie + asterisk from sid); reused after
#   sandbox.sh start    install this project's configuration, start Asterisk, wait until ARI answers
#   sandbox.sh stop     stop Asterisk cleanly (core stop gracefully, then a signal if it must)
#   sandbox.sh restart  stop then start
#   sandbox.sh crash    kill -9, then start (the test of calls cut by an Asterisk crash)
#   sandbox.sh status   exit 0 when ARI answers
#   sandbox.sh cli CMD  run an Asterisk CLI command
#
# Environment: ASTERISK_CHROOT (default /var/cache/hotline/asterisk-chroot), DEBIAN_MIRROR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=${ASTERISK_CHROOT:-/var/cache/hotline/asterisk-chroot}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
conf=/etc/hotline-asterisk          # inside the chroot
ari_url=${SANDBOX_ARI_URL:-http://127.0.0.1:8088/ari}
ari_auth=${SANDBOX_ARI_AUTH:-hotline:hotline}

say() { printf 'sandbox: %s\n' "$*" >&2; }

need_root() {
	if [ "$(id -u)" != 0 ]; then
		say "must run as root (debootstrap and chroot need it)"
		exit 1
	fi
}

build() {
	need_root
	if [ -x "$root/usr/sbin/asterisk" ]; then
		return 0
	fi
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	fi
	local tmp="$root.partial"
	rm -rf "$tmp"
	mkdir -p "$(dirname "$root")"
	say "debootstrap trixie into $tmp (about a minute)"
	debootstrap --variant=minbase trixie "$tmp" "$mirror" >"$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; exit 1; }
	echo "deb $mirror sid main" >"$tmp/etc/apt/sources.list.d/sid.list"
	cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
	say "installing asterisk from sid (about a minute)"
	chroot "$tmp" apt-get -o Acquire::Check-Valid-Until=false update -qq >>"$tmp.log" 2>&1
	# policy-rc.d keeps the package from starting its own daemon inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod +x "$tmp/usr/sbin/policy-rc.d"
	DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get -o Acquire::Check-Valid-Until=false install -y -qq \
		--no-install-recommends -t sid asterisk asterisk-modules >>"$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; exit 1; }
	chroot "$tmp" apt-get clean
	mv "$tmp" "$root"
	mv "$tmp.log" "$root.log"
	say "chroot ready: $(chroot "$root" /usr/sbin/asterisk -V)"
}

install_conf() {
	mkdir -p "$root$conf" "$root/var/lib/asterisk/keys" "$root/var/lib/asterisk/moh" "$root/var/spool/asterisk/recording" "$root/var/run/asterisk" "$root/var/log/asterisk"
	rm -f "$root$conf"/*.conf
	cp "$here"/etc/*.conf "$root$conf/"
	# Music on hold for the agent queue (sounds/generate.sh makes it).
	cp "$here"/../../sounds/moh/*.wav "$root/var/lib/asterisk/moh/"
	# The prompts Asterisk plays by itself when the hotline is down (extensions.conf).
	local lang
	for lang in vi en; do
		mkdir -p "$root/usr/share/asterisk/sounds/hotline/$lang"
		cp "$here"/../../sounds/$lang/{outage,for_english,message_saved}.wav "$root/usr/share/asterisk/sounds/hotline/$lang/" 2>/dev/null || true
	done
}

ari_up() {
	curl -fsS -m 2 -u "$ari_auth" "$ari_url/asterisk/info" >/dev/null 2>&1
}

# pids prints the Asterisk processes running in this chroot (found by their root folder, so
# a lost or stale pid file cannot hide one).
pids() {
	local p
	for p in $(pgrep -x asterisk 2>/dev/null); do
		[ "$(readlink "/proc/$p/root" 2>/dev/null)" = "$root" ] && echo "$p"
	done
	return 0
}

start() {
	need_root
	build
	if [ -n "$(pids)" ]; then
		say "already running; restarting to load the current configuration"
		stop
	fi
	if ari_up; then
		say "another Asterisk already answers ARI at $ari_url; stop it first"
		exit 1
	fi
	install_conf
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	rm -f "$root/var/run/asterisk/asterisk.pid" "$root/var/run/asterisk/asterisk.ctl"
	say "starting Asterisk"
	# -f keeps it in the foreground of its own process; we background it ourselves and
	# detach its output so the caller's pipes (make, go test) are not held open.
	setsid chroot "$root" /usr/sbin/asterisk -C "$conf/asterisk.conf" -f -n \
		</dev/null >"$root/var/log/asterisk/console.log" 2>&1 &
	# Asterisk 22 here takes 16-17 s from loading its modules to "Asterisk Ready" (with or
	# without res_agi), and once more than 20 s: wait up to 60 s.
	for _ in $(seq 1 300); do
		if ari_up; then
			say "ARI answers at $ari_url"
			return 0
		fi
		sleep 0.2
	done
	say "Asterisk did not answer ARI within 60 s; last lines of its log:"
	tail -30 "$root/var/log/asterisk/messages.log" >&2 || true
	exit 1
}

stop() {
	need_root
	local p
	if [ -z "$(pids)" ]; then
		say "not running"
		return 0
	fi
	timeout 5 chroot "$root" /usr/sbin/asterisk -C "$conf/asterisk.conf" -rx "core stop now" >/dev/null 2>&1 || true
	for _ in $(seq 1 50); do
		[ -z "$(pids)" ] && { say "stopped"; return 0; }
		sleep 0.1
	done
	for p in $(pids); do kill -TERM "$p" 2>/dev/null || true; done
	sleep 1
	for p in $(pids); do kill -KILL "$p" 2>/dev/null || true; done
	sleep 0.2
	say "stopped (signalled)"
}

case "${1:-}" in
build) build ;;
start) start ;;
stop) stop ;;
restart) stop; start ;;
crash) # kill -9 and start again, as after a crash: no hangups are sent to anyone
	for p in $(pids); do kill -KILL "$p"; done
	sleep 0.5
	start ;;
status) ari_up ;;
cli) shift; chroot "$root" /usr/sbin/asterisk -C "$conf/asterisk.conf" -rx "$*" ;;
*) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
