#!/usr/bin/env bash
# Test-time system packages from Debian: Chromium + a CJK font for the browser tests (Playwright's own download does
# not work on these machines) and Dovecot's IMAP server, which the email tests start with their own configuration.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wqy" || missing+=(fonts-wqy-microhei)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
# The suite starts its own Dovecot; the package's system service is not needed.
if [ -x /usr/sbin/dovecot ] && pgrep -x dovecot >/dev/null; then
  doveadm stop 2>/dev/null || true
fi
