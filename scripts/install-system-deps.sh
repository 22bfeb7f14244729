#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing. Idempotent.
#   WeasyPrint: libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 (without the last a
#   Chinese PDF takes ~9 s instead of ~0.1 s); a CJK font (without it PDFs print boxes).
#   Browser tests: Debian's chromium (Playwright drives /usr/bin/chromium; never downloads one).
#   gettext: msgfmt, which `manage.py compilemessages` runs at setup (the English translation).
#   Tools: poppler-utils (pdftotext in tests), postgresql-client (pgbench in bench/).
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk gettext)
if [ "${WITH_BROWSER:-0}" = 1 ]; then want+=(chromium); fi
if [ "${WITH_TOOLS:-0}" = 1 ]; then want+=(poppler-utils postgresql-client); fi
missing=()
for pkg in "${want[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
done
if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  echo "installing uv from PyPI"
  python3 -m pip install -q --user uv 2>/dev/null || python3 -m pip install -q --break-system-packages --user uv
fi
/sbin/ldconfig -p | grep 'libharfbuzz-subset\.so\.0' >/dev/null ||
  { echo "libharfbuzz-subset.so.0 not found after install: Chinese PDFs would take seconds each" >&2; exit 1; }
fc-list :lang=zh | grep . >/dev/null || { echo "no CJK font found after install: PDFs would print boxes" >&2; exit 1; }
