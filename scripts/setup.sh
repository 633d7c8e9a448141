#!/usr/bin/env bash
# Set up everything Facilitator needs on a fresh Debian machine, reusing what is already there.
#   scripts/setup.sh run    Python env, front-end files, translations, Debian speech packages
#   scripts/setup.sh test   the same, plus Debian's chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-run}"
PY="${PYTHON:-python3}"
VENV=.venv
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33m!!  %s\033[0m\n' "$*" >&2; }

hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

# 1. Debian packages (only when we are root and apt is present; the app runs without them).
debian_packages=(libespeak-ng1 espeak-ng)
# WeasyPrint's text layout and fonts: the evidence pack's tagged PDF (issue 20).
debian_packages+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
[ "$MODE" = test ] && debian_packages+=(chromium)
# pg_dump and pg_restore: flask backup / restore on PostgreSQL (issue 19).
[ "$MODE" = test ] && debian_packages+=(postgresql-client-15)
# nginx: the deploy/ site is tested in front of two instances (tests/browser/test_nginx_two_instances.py,
# issue 19). The test starts its own nginx as a non-root process; the system service is never started.
[ "$MODE" = test ] && debian_packages+=(nginx)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    # Installing nginx would start the system service (port 80) where nothing forbids it: a
    # policy-rc.d that denies every start, only while installing and only if there is none.
    no_start=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
      no_start=/usr/sbin/policy-rc.d
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ -n "$no_start" ] && rm -f "$no_start"
  else
    warn "Not installed: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}"
    warn "Without espeak-ng the app uses the browser's own voice; without chromium browser tests skip."
  fi
fi

# 2. Python virtual environment and the package (reinstalled only when pyproject.toml changes).
if [ ! -x "$VENV/bin/python" ]; then
  say "Creating the virtual environment in $VENV"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(hash_of pyproject.toml)"
if [ ! -f "$stamp" ]; then
  say "Installing Python packages"
  "$VENV/bin/pip" install --quiet --upgrade pip >/dev/null 2>&1 || true
  # dev brings the extras too: fonts (slim_fonts.py below) and redis (the shared rate-limit test).
  "$VENV/bin/pip" install --quiet -e '.[dev]'
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# 3. Front-end packages from npm (pinned by package-lock.json), copied into a git-ignored folder.
if ! command -v npm >/dev/null; then
  warn "npm is not installed; install Node.js and npm (sudo apt-get install nodejs npm)."
  exit 1
fi
stamp="node_modules/.installed-$(hash_of package-lock.json)"
if [ ! -f "$stamp" ]; then
  say "Installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
vendor=facilitator/static/vendor
stamp="$vendor/.copied-$(hash_of package-lock.json easyread_assets/pictures.json scripts/setup.sh scripts/extract_pictures.py)"
if [ ! -f "$stamp" ]; then
  say "Copying front-end files into $vendor"
  rm -rf "$vendor"
  mkdir -p "$vendor/fonts"
  cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
  cp node_modules/htmx.org/LICENSE "$vendor/htmx.LICENSE"
  cp node_modules/@fontsource/atkinson-hyperlegible/files/atkinson-hyperlegible-latin-{400,700}-normal.woff2 "$vendor/fonts/"
  cp node_modules/@fontsource/atkinson-hyperlegible/LICENSE "$vendor/fonts/LICENSE" 2>/dev/null || true
  # Hinting off: 14 KiB less. fontTools is the fonts extra (dev brings it); without it the
  # fonts are served as npm ships them.
  if "$VENV/bin/python" -c 'import fontTools' 2>/dev/null; then
    "$VENV/bin/python" scripts/slim_fonts.py "$vendor/fonts" >/dev/null
  else
    warn "fontTools is not installed (pip install -e '.[fonts]'): fonts kept with their hinting."
  fi
  "$VENV/bin/python" scripts/extract_pictures.py --dest "$vendor/pictures"
  touch "$stamp"
fi
[ -f "$vendor/icons/icon-512.png" ] || "$VENV/bin/python" scripts/make_icons.py --dest "$vendor/icons"

# 4. Compile the translation catalogues.
say "Compiling translations"
"$VENV/bin/pybabel" compile -d translations >/dev/null
