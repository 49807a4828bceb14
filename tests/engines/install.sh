#!/usr/bin/env bash
# Install the real template engines tmplkit's tests render with (see README.md).
#
# Idempotent and quiet: prints nothing when everything is already in place, and
# only checks (no network) in that case. Installs:
#   - Debian: ruby + ruby-liquid (Shopify Liquid), libfreemarker-java,
#     libgoogle-gson-java, gettext (msgfmt), a JDK if javac is missing, and
#     nodejs/npm if node is missing; chromium-headless-shell with fonts-noto-cjk
#     and fonts-kacst (Japanese, Arabic) for the layout check (gallery --check,
#     driven by the playwright pip package of the test extra). Versions pinned in
#     versions.txt (warn only).
#   - npm:    handlebars + liquidjs, exact versions from package-lock.json (npm ci).
#   - javac:  FreemarkerRunner.java -> build/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FREEMARKER_JAR=/usr/share/java/freemarker.jar
GSON_JAR=/usr/share/java/gson.jar
LOG="$(mktemp "${TMPDIR:-/tmp}/tmplkit-engines-install.XXXXXX")"
trap 'rm -f "$LOG"' EXIT

die() {
    echo "tests/engines/install.sh: $*" >&2
    if [ -s "$LOG" ]; then
        echo "---- output of the failed step ----" >&2
        tail -n 60 "$LOG" >&2
    fi
    exit 1
}
warn() { echo "tests/engines/install.sh: warning: $*" >&2; }

# Run a command with its output captured; show it only if the command fails.
quiet() {
    : >"$LOG"
    "$@" >"$LOG" 2>&1 || die "failed: $*"
}

# ---------------------------------------------------------------- Debian ----
pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

want=(ruby ruby-liquid libfreemarker-java libgoogle-gson-java gettext)
want+=(chromium-headless-shell fonts-noto-cjk fonts-kacst)
command -v javac >/dev/null 2>&1 || want+=(default-jdk-headless)
command -v node >/dev/null 2>&1 || want+=(nodejs)
command -v npm >/dev/null 2>&1 || want+=(npm)

missing=()
for p in "${want[@]}"; do
    pkg_installed "$p" || missing+=("$p")
done
[ -f "$FREEMARKER_JAR" ] || missing+=(libfreemarker-java)
[ -f "$GSON_JAR" ] || missing+=(libgoogle-gson-java)

if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing Debian packages (${missing[*]}) and no apt-get"
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "missing Debian packages (${missing[*]}); run as root"
        SUDO=(sudo)
    fi
    # de-duplicate
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    quiet "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    quiet "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Compare installed Debian versions with the pins in versions.txt (warn, don't fail).
while read -r pkg pinned _; do
    case "$pkg" in ''|'#'*) continue ;; esac
    have="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)"
    if [ -z "$have" ]; then
        warn "$pkg is not installed (pinned $pinned in tests/engines/versions.txt)"
    elif [ "$have" != "$pinned" ]; then
        warn "$pkg $have is installed, tests/engines/versions.txt pins $pinned"
    fi
done <"$HERE/versions.txt"

# ------------------------------------------------------------------- npm ----
# Stamp = hash of the lockfile; npm ci only when node_modules doesn't match it.
lock_hash="$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)"
stamp="$HERE/node_modules/.tmplkit-lock-sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ] \
    || [ ! -f "$HERE/node_modules/handlebars/package.json" ] \
    || [ ! -f "$HERE/node_modules/liquidjs/package.json" ]; then
    quiet npm ci --prefix "$HERE" --no-audit --no-fund --ignore-scripts --loglevel=error
    echo "$lock_hash" >"$stamp"
fi

# ------------------------------------------------------------------ java ----
# Stamp = hash of the source + the jars it was compiled against.
build="$HERE/build"
jar_id() { readlink -f "$1"; }
src_hash="$(sha256sum <"$HERE/FreemarkerRunner.java" | cut -d' ' -f1) $(jar_id "$FREEMARKER_JAR") $(jar_id "$GSON_JAR")"
jstamp="$build/.tmplkit-src"
if [ ! -f "$build/FreemarkerRunner.class" ] || [ ! -f "$jstamp" ] || [ "$(cat "$jstamp")" != "$src_hash" ]; then
    rm -rf "$build"
    mkdir -p "$build"
    quiet javac -encoding UTF-8 -nowarn -d "$build" \
        -cp "$FREEMARKER_JAR:$GSON_JAR" "$HERE/FreemarkerRunner.java"
    echo "$src_hash" >"$jstamp"
fi
