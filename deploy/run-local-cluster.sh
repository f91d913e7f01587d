#!/usr/bin/env bash
# A real GcmActors cluster on this machine: a PostgreSQL server, two silos and a client-role front end,
# each its own process, all on loopback. Data and logs stay in ./data/cluster.
#
#   deploy/run-local-cluster.sh          start (builds Release first)
#   deploy/run-local-cluster.sh stop     stop everything it started
#
# Front end: http://127.0.0.1:5080   silo 1: http://127.0.0.1:5081   silo 2: http://127.0.0.1:5082
# Tokens:    dotnet src/GcmActors.Host/bin/Release/net10.0/GcmActors.Host.dll token --role admin --Gcm:DataDirectory=data/cluster
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$PWD/data/cluster
pgdata=$dir/pg
port=${GCM_PG_PORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (install the 'postgresql' package)." >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-start}" = stop ]; then
    # Stop the hosts first and wait: a silo leaving gracefully still writes to PostgreSQL.
    pids=()
    for pidfile in "$dir"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null && pids+=("$pid")
        rm -f "$pidfile"
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    [ -d "$pgdata" ] && as_pg "$bin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null || true
    exit 0
fi

mkdir -p "$dir"
if ls "$dir"/*.pid >/dev/null 2>&1; then
    echo "A local cluster seems to be running already (pid files in $dir); stop it first." >&2
    exit 1
fi
if [ ! -d "$pgdata" ]; then
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown postgres "$pgdata" "$dir"
    as_pg "$bin/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 >/dev/null
fi
as_pg "$bin/pg_ctl" -D "$pgdata" -w -l "$dir/postgres.log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'gcm'" | grep -q 1 \
    || as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres gcm

dotnet build src/GcmActors.Host -c Release --nologo -v quiet -clp:ErrorsOnly
host=src/GcmActors.Host/bin/Release/net10.0/GcmActors.Host.dll
common=(--Gcm:Storage=postgres "--ConnectionStrings:gcm=Host=127.0.0.1;Port=$port;Username=postgres;Database=gcm"
        --Gcm:DataDirectory="$dir")

start() { # name, then arguments
    local name=$1; shift
    nohup dotnet "$host" "${common[@]}" "$@" >"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
}
start silo1 --urls http://127.0.0.1:5081 --Gcm:SiloPort=11111 --Gcm:GatewayPort=30000
start silo2 --urls http://127.0.0.1:5082 --Gcm:SiloPort=11112 --Gcm:GatewayPort=30001
for i in $(seq 1 60); do grep -q "Listening on" "$dir/silo1.log" 2>/dev/null && break; sleep 1; done
start front --urls http://127.0.0.1:5080 --Gcm:Role=client
for i in $(seq 1 60); do grep -q "Listening on" "$dir/front.log" 2>/dev/null && break; sleep 1; done

echo "GcmActors cluster: front end http://127.0.0.1:5080, silos :5081 and :5082, PostgreSQL 127.0.0.1:$port."
echo "Logs in $dir. Stop with: deploy/run-local-cluster.sh stop"
