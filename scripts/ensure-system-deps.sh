#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own download does not work on these machines).
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wqy"; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium and fonts-wqy-microhei are missing; run: sudo apt-get install -y chromium fonts-wqy-microhei" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
