#!/bin/bash
# Quick start: run migrator-scheduler in one process from this checkout.
#
# Usage: tools/all-in-one.sh [migrator-scheduler arguments...]
#
# Uses the default configuration, which is the all-in-one mode: SQLite
# and file-based coordination under .aio/state, the in-process fake://
# transport and an executor embedded in the scheduler. Nothing else needs
# to run. Steps:
#   1. a virtualenv in .venv-aio with migrator-scheduler installed in it
#      (editable; reinstalled when setup.cfg or requirements.txt change);
#   2. .aio/migrator-scheduler.conf, written only if missing, so local
#      edits stay;
#   3. "db sync" and an import of etc/migrator-scheduler/sample-rules.yaml;
#   4. the scheduler, in the foreground; Ctrl-C stops it.
# PYTHON selects the interpreter for the virtualenv (default python3).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=$ROOT/.venv-aio
CONF_DIR=$ROOT/.aio
STATE_DIR=$CONF_DIR/state
SAMPLE_RULES=etc/migrator-scheduler/sample-rules.yaml
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '==> %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
    log "Creating virtualenv $VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
fi

stamp=$VENV/.migrator-scheduler-installed
if [ ! -e "$stamp" ] || [ setup.cfg -nt "$stamp" ] \
        || [ requirements.txt -nt "$stamp" ]; then
    log "Installing migrator-scheduler into $VENV"
    # pbr takes the version from git; an export without history needs one.
    if ! git rev-parse --verify -q HEAD >/dev/null 2>&1; then
        export PBR_VERSION=${PBR_VERSION:-0.0.0.dev0}
    fi
    "$VENV/bin/python" -m pip install -q -e .
    touch "$stamp"
fi

mkdir -p "$STATE_DIR"
if [ ! -e "$CONF_DIR/migrator-scheduler.conf" ]; then
    log "Writing $CONF_DIR/migrator-scheduler.conf"
    cat > "$CONF_DIR/migrator-scheduler.conf" <<EOF
# All-in-one configuration written by tools/all-in-one.sh. Every option
# not set here keeps its default, which is the all-in-one mode.
[DEFAULT]
debug = False
state_path = $STATE_DIR
EOF
fi

MANAGE=("$VENV/bin/migrator-scheduler-manage" --config-dir "$CONF_DIR")
log "Creating or upgrading the database"
"${MANAGE[@]}" db sync
if [ -f "$SAMPLE_RULES" ]; then
    log "Importing $SAMPLE_RULES"
    "${MANAGE[@]}" rule import --replace "$SAMPLE_RULES"
fi

log "Starting migrator-scheduler (Ctrl-C to stop)"
exec "$VENV/bin/migrator-scheduler" --config-dir "$CONF_DIR" "$@"
