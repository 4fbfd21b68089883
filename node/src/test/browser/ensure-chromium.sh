#!/bin/sh
# Prints the path of a headless-capable Chromium for the status page test (StatusPageBrowserTest). When none is
# installed and this runs as root with apt-get (as CI does), installs Debian's chromium package first. Exits 3 with
# the reason on stderr when there is no browser and none can be installed; the test then reports itself skipped.
set -eu

find_chromium() {
    for name in chromium chromium-browser; do
        path=$(command -v "$name" 2>/dev/null || true)
        if [ -n "$path" ]; then
            echo "$path"
            return 0
        fi
    done
    return 1
}

if find_chromium; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is not installed and cannot be installed here (needs root and apt-get): apt-get install chromium" >&2
    exit 3
fi
echo "installing Debian's chromium package for the status page test" >&2
export DEBIAN_FRONTEND=noninteractive
# Another apt run may hold the lock: wait for it rather than fail.
apt_get() {
    apt-get -q -o DPkg::Lock::Timeout=300 "$@" >&2
}
if ! apt_get install -y --no-install-recommends chromium; then
    apt_get update && apt_get install -y --no-install-recommends chromium || {
        echo "apt-get install chromium failed" >&2
        exit 3
    }
fi
if find_chromium; then
    exit 0
fi
echo "chromium installed but not on PATH" >&2
exit 3
