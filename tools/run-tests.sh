#!/bin/bash
# Run the whole test suite on a Debian 12 host: style checks, unit tests
# and functional tests against real servers.
#
# Usage: tools/run-tests.sh [--services-only] [TOX_ARGUMENTS...]
#
# Prepares the host first (needs root, or password-less sudo):
#   * installs Debian's zookeeper package and a Java runtime if missing
#     (the functional tests start their own ZooKeeper from them), and
#     faketime (libfaketime: fault tests run one process with its clock
#     off);
#   * starts PostgreSQL, MariaDB and RabbitMQ if installed but not
#     running; a server named by MIGRATOR_TEST_POSTGRESQL_URL,
#     MIGRATOR_TEST_MYSQL_URL or MIGRATOR_TEST_TRANSPORT_URL is left alone;
#   * installs tox if missing.
# Then runs "tox -e $TOX_ENVS" (default pep8,py3,py310,functional) with
# the remaining arguments. --services-only stops after the preparation.
#
# py310 runs the unit tests on Python 3.10, the oldest supported version.
# A python3.10 that is not on PATH but installed by pyenv is found; when
# there is none at all, the default run leaves py310 out and says so, and
# a TOX_ENVS naming py310 fails.
set -euo pipefail

cd "$(dirname "$0")/.."

TOX_ENVS_GIVEN=${TOX_ENVS:+yes}
TOX_ENVS=${TOX_ENVS:-pep8,py3,py310,functional}
SERVICE_TIMEOUT=${SERVICE_TIMEOUT:-120}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
# Server tools live in sbin, which a non-login shell may not have.
export PATH=$PATH:/usr/sbin:/sbin

services_only=false
if [ "${1:-}" = --services-only ]; then
    services_only=true
    shift
fi

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "root is needed to run: $*"
    fi
}

# wait_for SECONDS WHAT COMMAND...: poll COMMAND until it succeeds.
wait_for() {
    local timeout=$1 what=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            die "$what is not ready after ${timeout}s"
        fi
        sleep 1
    done
}

install_packages() {
    local missing=()
    [ -f /usr/share/java/zookeeper.jar ] || missing+=(zookeeper)
    command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
    compgen -G '/usr/lib/*/faketime/libfaketimeMT.so.1' >/dev/null \
        || missing+=(faketime)
    [ "${#missing[@]}" -eq 0 ] && return
    log "Installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q "${missing[@]}" </dev/null
}

postgresql_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }

start_postgresql() {
    if [ -n "${MIGRATOR_TEST_POSTGRESQL_URL:-}" ] || postgresql_ready; then
        return
    fi
    [ -d /etc/postgresql ] || die "PostgreSQL is not installed"
    log "Starting PostgreSQL"
    local version
    for version in /etc/postgresql/*/; do
        version=$(basename "$version")
        # Fails harmlessly when the cluster is already starting.
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main \
            start || true
    done
    wait_for "$SERVICE_TIMEOUT" PostgreSQL postgresql_ready
}

mariadb_ready() {
    local admin
    admin=$(command -v mariadb-admin || command -v mysqladmin)
    "$admin" --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping \
        >/dev/null 2>&1
}

start_mariadb() {
    if [ -n "${MIGRATOR_TEST_MYSQL_URL:-}" ] || mariadb_ready; then
        return
    fi
    [ -x /usr/sbin/mariadbd ] || die "MariaDB is not installed"
    log "Starting MariaDB"
    # /run is a tmpfs: the socket directory is gone after a reboot.
    as_root install -d -o mysql -g mysql -m 0755 /run/mysqld
    as_root start-stop-daemon --start --oknodo --background \
        --exec /usr/sbin/mariadbd
    wait_for "$SERVICE_TIMEOUT" "MariaDB socket" test -S /run/mysqld/mysqld.sock
    wait_for "$SERVICE_TIMEOUT" MariaDB mariadb_ready
}

rabbitmq_running() { as_root rabbitmq-diagnostics -q check_running; }
rabbitmq_node_up() { as_root rabbitmq-diagnostics -q ping; }

start_rabbitmq() {
    if [ -n "${MIGRATOR_TEST_TRANSPORT_URL:-}" ] || rabbitmq_running \
            >/dev/null 2>&1; then
        return
    fi
    command -v rabbitmq-server >/dev/null 2>&1 \
        || die "RabbitMQ is not installed"
    if rabbitmq_node_up >/dev/null 2>&1; then
        # The node runs but its application was stopped (stop_app).
        log "Starting the RabbitMQ application"
        as_root rabbitmqctl -q start_app
    else
        log "Starting RabbitMQ"
        as_root rabbitmq-server -detached
        wait_for "$SERVICE_TIMEOUT" "RabbitMQ node" rabbitmq_node_up
        as_root rabbitmqctl -q await_startup --timeout "$SERVICE_TIMEOUT"
    fi
    wait_for "$SERVICE_TIMEOUT" RabbitMQ rabbitmq_running
}

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 "$HOME/.pyenv/shims/python3"; do
        if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1
        then
            echo "$candidate"
            return
        fi
    done
    die "no python3 found; set PYTHON"
}

# Sets the TOX array to a working tox command, installing tox if needed.
ensure_tox() {
    local python
    python=$(find_python)
    TOX=("$python" -m tox)
    "${TOX[@]}" --version >/dev/null 2>&1 && return
    log "Installing tox"
    if "$python" -m pip install -q tox; then
        return
    fi
    # An "externally managed" interpreter (PEP 668) refuses pip: give
    # tox a virtualenv of its own.
    "$python" -m venv .tox/.bootstrap
    .tox/.bootstrap/bin/pip install -q tox
    TOX=(.tox/.bootstrap/bin/tox)
}

# Prints the path of a working Python 3.10 interpreter, if any.
find_python310() {
    local candidate
    for candidate in "$(command -v python3.10 || true)" \
            "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] \
                && "$candidate" -c '' >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
}

# Makes "python3.10" resolve for tox, or takes py310 out of TOX_ENVS.
prepare_python310() {
    case ",$TOX_ENVS," in *,py310,*) ;; *) return ;; esac
    local python
    python=$(find_python310)
    if [ -z "$python" ]; then
        if [ -n "$TOX_ENVS_GIVEN" ]; then
            die "TOX_ENVS names py310 but no Python 3.10 interpreter was found"
        fi
        log "WARNING: no Python 3.10 interpreter found: the unit tests" \
            "will NOT run on Python 3.10, the oldest supported version;" \
            "install one (e.g. pyenv install 3.10) to run them"
        TOX_ENVS=$(echo ",$TOX_ENVS," | sed 's/,py310,/,/; s/^,//; s/,$//')
        return
    fi
    log "Python 3.10 for py310: $python"
    # A pyenv shim that is not selected fails when run, and tox would not
    # find it: give tox a PATH entry holding python3.10 alone.
    if ! python3.10 -c '' >/dev/null 2>&1; then
        mkdir -p .tox/.python310
        ln -sf "$python" .tox/.python310/python3.10
        export PATH="$PWD/.tox/.python310:$PATH"
    fi
}

install_packages
start_postgresql
start_mariadb
start_rabbitmq
log "Services are ready"
if $services_only; then
    exit 0
fi

ensure_tox
prepare_python310
# pbr takes the version from git; an export without history needs one.
if ! git rev-parse --verify -q HEAD >/dev/null 2>&1; then
    export PBR_VERSION=${PBR_VERSION:-0.0.0.dev0}
fi
log "Running: tox -e $TOX_ENVS $*"
exec "${TOX[@]}" -e "$TOX_ENVS" "$@"
