#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian/Ubuntu machine, then the npm
# packages. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Real peers and tools the tests use: sipp (sip-tester) and kamailio for telephony,
# lame/sox/ffmpeg for audio fixtures and the reference conversion, chromium for
# the end-to-end tests (Playwright drives Debian's Chromium; it never downloads a browser).
# fonts-noto-cjk: Chinese glyphs, so the zh screenshots show characters rather than boxes.
PKGS="sip-tester kamailio lame sox libsox-fmt-mp3 ffmpeg chromium fonts-noto-cjk"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "Installing Debian packages:$missing"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# kamailio's package starts a system service; the tests run their own instances.
(as_root systemctl stop kamailio || as_root service kamailio stop || true) >/dev/null 2>&1

# The Electron binary is not needed to test (and cannot be downloaded offline).
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
