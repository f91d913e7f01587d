#!/usr/bin/env bash
# A real GcmActors cluster on this machine, every part its own process on loopback: a throwaway PostgreSQL
# server, three silos, two client-role front ends and nginx balancing round-robin over the front ends.
#
#   deploy/run-local-cluster.sh start    build Release, start everything, return once every silo is Active
#   deploy/run-local-cluster.sh status   each process: role, URL, pid, state (silos: their membership status)
#   deploy/run-local-cluster.sh stop     stop everything it started (hosts first, gracefully; then nginx, PostgreSQL)
#
# The API: http://127.0.0.1:5080 (nginx; GCM_HTTP_PORT changes it). Silos and front ends take free ports from
# 5081 up, silo/gateway ports from 11111/30000 up; status prints them. Data, the shared token signing key and
# logs stay in ./data/cluster (logs are appended to, never truncated; data survives stop/start; delete the folder
# to start afresh). nginx and PostgreSQL are Debian packages, installed when missing (as root).
# GCM_HOST_ARGS adds settings to every host, e.g. GCM_HOST_ARGS=--Gcm:Dashboard:Enabled=true (the Orleans
# dashboard is off by default).
# A token:  dotnet src/GcmActors.Host/bin/Release/net10.0/GcmActors.Host.dll token --role admin --Gcm:DataDirectory=data/cluster
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$PWD/data/cluster
pgdata=$dir/pg
state=$dir/cluster.state       # one line per process: name role pid url [silo-port gateway-port]
host_dll=$PWD/src/GcmActors.Host/bin/Release/net10.0/GcmActors.Host.dll
http_port=${GCM_HTTP_PORT:-5080}
pg_port=${GCM_PG_PORT:-55432}
silos=3
fronts=2

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { echo "run-local-cluster: $*" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
taken=" "
free_port() { # free_port VAR FROM: the first port from FROM up that nothing listens on and not handed out yet
    local p=$2
    while port_busy "$p" || [[ $taken == *" $p "* ]]; do p=$((p + 1)); done
    taken+="$p "
    printf -v "$1" '%s' "$p"
}
psql_gcm() { "$(pg_bin)/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d gcm -XAtq "$@"; }

install_missing() {
    local missing=()
    [ -n "$(pg_bin)" ] || missing+=(postgresql)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
    [ ${#missing[@]} -eq 0 ] && return
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || die "install the Debian packages: ${missing[*]}"
    log "installing ${missing[*]} (Debian packages)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The membership status of the silo whose silo port is $1 (newest generation), e.g. Active, Joining, Dead.
silo_status() {
    local code
    code=$(psql_gcm -c "SELECT status FROM orleansmembershiptable WHERE deploymentid = 'gcm' AND port = $1
                        ORDER BY generation DESC LIMIT 1" 2>/dev/null || true)
    case $code in
        0) echo None ;; 1) echo Created ;; 2) echo Joining ;; 3) echo Active ;; 4) echo ShuttingDown ;;
        5) echo Stopping ;; 6) echo Dead ;; "") echo "not in membership" ;; *) echo "status $code" ;;
    esac
}

status() {
    [ -f "$state" ] || { echo "No local cluster (no $state)."; return 1; }
    printf '%-9s %-8s %-34s %-7s %s\n' NAME ROLE URL PID STATE
    local name role pid url silo_port _gw st
    while read -r name role pid url silo_port _gw; do
        if ! alive "$pid"; then st="not running"
        elif [ "$role" = silo ]; then st="$(silo_status "$silo_port") (silo port $silo_port, gateway $_gw)"
        elif [ "$role" = client ] || [ "$role" = nginx ]; then
            st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url/health/ready" || true)
            st="running, /health/ready $st"
        else st=running; fi
        printf '%-9s %-8s %-34s %-7s %s\n' "$name" "$role" "$url" "$pid" "$st"
    done <"$state"
}

stop() {
    [ -f "$state" ] || { echo "No local cluster is running."; return 0; }
    local name role pid rest pids=()
    # Front ends and silos first (SIGTERM: a silo leaves the cluster gracefully and still writes to PostgreSQL).
    while read -r name role pid rest; do
        case $role in silo|client) alive "$pid" && kill -TERM "$pid" && pids+=("$pid") ;; esac
    done <"$state"
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 300); do alive "$pid" || break; sleep 0.2; done
        alive "$pid" && { log "pid $pid did not stop in 60 s; killing it"; kill -9 "$pid"; }
    done
    while read -r name role pid rest; do
        if [ "$role" = nginx ] && alive "$pid"; then
            kill -QUIT "$pid"
            for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
        fi
    done <"$state"
    [ -f "$pgdata/postmaster.pid" ] && as_pg "$(pg_bin)/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
    rm -f "$state"
    echo "Local cluster stopped."
}

start() {
    if [ -f "$state" ]; then
        while read -r _ _ pid _; do alive "$pid" && die "a local cluster is running already ($0 status; $0 stop)"; done <"$state"
        rm -f "$state"
    fi
    port_busy "$http_port" && die "port $http_port is in use (GCM_HTTP_PORT chooses another)"
    install_missing
    mkdir -p "$dir/nginx"
    # Private (the token signing key lives here), but traversable so that PostgreSQL reaches its own folder.
    chmod 711 "$dir"

    # PostgreSQL: its own cluster in data/cluster/pg, on loopback only.
    local bin; bin=$(pg_bin)
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        mkdir -p "$pgdata"
        [ "$(id -u)" = 0 ] && chown postgres "$pgdata"
        as_pg "$bin/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 >/dev/null
    fi
    port_busy "$pg_port" && die "port $pg_port (PostgreSQL) is in use (GCM_PG_PORT chooses another)"
    as_pg "$bin/pg_ctl" -D "$pgdata" -w -l "$pgdata/postgres.log" \
        -o "-p $pg_port -k $pgdata -c listen_addresses=127.0.0.1" start >/dev/null
    echo "postgres postgres $(head -n 1 "$pgdata/postmaster.pid") postgresql://127.0.0.1:$pg_port/gcm" >>"$state"
    psql_gcm -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'gcm'" | grep -q 1 \
        || as_pg "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres gcm
    log "PostgreSQL on 127.0.0.1:$pg_port"

    log "building Release..."
    dotnet build src/GcmActors.Host -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
    # GCM_HOST_ARGS: more settings for every host, e.g. "--Gcm:Dashboard:Enabled=true".
    local extra=(); read -r -a extra <<<"${GCM_HOST_ARGS:-}"
    local common=(--Gcm:Storage=postgres "--ConnectionStrings:gcm=Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=gcm"
                  "--Gcm:DataDirectory=$dir" "${extra[@]}")
    launch() { # name role http-port [args...]; sets $pid; appends to the log, never truncates it
        local name=$1 role=$2 port=$3; shift 3
        echo "----- $(date -u +%FT%TZ) start $name ($role) on http://127.0.0.1:$port" >>"$dir/$name.log"
        nohup dotnet "$host_dll" "${common[@]}" --urls "http://127.0.0.1:$port" --Gcm:Role="$role" "$@" >>"$dir/$name.log" 2>&1 &
        pid=$!
    }

    local i http silo gw pid silo_ports=()
    for i in $(seq 1 $silos); do
        free_port http 5081; free_port silo 11111; free_port gw 30000
        launch "silo$i" silo "$http" --Gcm:SiloPort="$silo" --Gcm:GatewayPort="$gw"
        echo "silo$i silo $pid http://127.0.0.1:$http $silo $gw" >>"$state"
        silo_ports+=("$silo")
    done

    log "waiting for ${silos} silos to be Active in the membership table..."
    local deadline=$((SECONDS + 120)) active
    while :; do
        active=0
        for silo in "${silo_ports[@]}"; do [ "$(silo_status "$silo")" = Active ] && active=$((active + 1)); done
        [ "$active" -eq "$silos" ] && break
        while read -r name role pid _; do
            [ "$role" = silo ] && ! alive "$pid" && { tail -n 30 "$dir/$name.log" >&2; die "$name exited (log: $dir/$name.log)"; }
        done <"$state"
        [ $SECONDS -lt $deadline ] || { status; die "silos not Active within 120 s (logs in $dir)"; }
        sleep 0.5
    done

    local upstreams=""
    for i in $(seq 1 $fronts); do
        free_port http 5081
        launch "front$i" client "$http"
        echo "front$i client $pid http://127.0.0.1:$http" >>"$state"
        upstreams+="        server 127.0.0.1:$http max_fails=1 fail_timeout=5s;"$'\n'
    done

    # nginx in front: round-robin over the front ends; a front end that refuses connections or answers 502/504
    # is skipped for the next one (never a write that may have been applied: non-idempotent requests are not
    # retried). Server-Sent Events pass unbuffered.
    cat >"$dir/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx.log warn;
events { worker_connections 1024; }
http {
    log_format gcm '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent upstream=\$upstream_addr \$request_time s';
    access_log $dir/nginx-access.log gcm;
    client_body_temp_path $dir/nginx/client_body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    upstream gcm_front {
$upstreams        keepalive 32;
    }
    server {
        listen 127.0.0.1:$http_port;
        client_max_body_size 64k;
        location / {
            proxy_pass http://gcm_front;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout http_502 http_504;
            proxy_connect_timeout 2s;
            proxy_read_timeout 1h;
            proxy_buffering off;
        }
    }
}
NGINX
    local nginx; nginx=$(command -v nginx || echo /usr/sbin/nginx)
    "$nginx" -t -q -p "$dir/nginx" -c "$dir/nginx/nginx.conf" 2>>"$dir/nginx.log" || die "nginx configuration refused (see $dir/nginx.log)"
    "$nginx" -p "$dir/nginx" -c "$dir/nginx/nginx.conf"
    for _ in $(seq 1 50); do [ -s "$dir/nginx/nginx.pid" ] && break; sleep 0.1; done
    echo "nginx nginx $(cat "$dir/nginx/nginx.pid") http://127.0.0.1:$http_port" >>"$state"

    log "waiting for the front ends to be ready..."
    deadline=$((SECONDS + 90))
    while read -r name role pid url _; do
        [ "$role" = client ] || continue
        until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url/health/ready" || true)" = 200 ]; do
            alive "$pid" || { tail -n 30 "$dir/$name.log" >&2; die "$name exited (log: $dir/$name.log)"; }
            [ $SECONDS -lt $deadline ] || die "$name not ready within 90 s (log: $dir/$name.log)"
            sleep 0.3
        done
    done <"$state"
    status
    echo
    echo "GcmActors cluster: http://127.0.0.1:$http_port (nginx). Logs in $dir. Stop: $0 stop"
}

case ${1:-start} in
    start) start ;;
    status) status ;;
    stop) stop ;;
    *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
