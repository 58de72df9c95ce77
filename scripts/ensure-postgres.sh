#!/usr/bin/env bash
# The PostgreSQL pass of the test suite needs Debian's server binaries (initdb, postgres);
# the tests start their own throwaway server on 127.0.0.1. Install them if missing.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "installing the PostgreSQL server binaries (apt-get install postgresql)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
