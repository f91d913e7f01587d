#!/usr/bin/env bash
# Local stand-ins for the two base images deploy/Dockerfile names, for machines that cannot pull from
# mcr.microsoft.com (such as this project's CI). They carry the same names, so the real Dockerfile builds
# unchanged:
#   mcr.microsoft.com/dotnet/aspnet:10.0   Debian (debootstrap, minbase) + this machine's .NET and ASP.NET
#                                          Core runtimes + the non-root user "app" (uid 1654, as upstream)
#   mcr.microsoft.com/dotnet/sdk:10.0      the above + this machine's .NET SDK, CA certificates and NuGet
#                                          sources (the build restores through the same registry as the host)
# With --with-compose, also the two other images deploy/compose.yaml runs, from Debian's packages, under
# names of their own (compose.yaml takes them from GCM_POSTGRES_IMAGE and GCM_NGINX_IMAGE):
#   localhost/gcm-standin-postgres:15      Debian's PostgreSQL 15 with the POSTGRES_* environment contract
#   localhost/gcm-standin-nginx:1.22       Debian's nginx
# Images that already exist are kept (pass --force to rebuild). Needs root, podman, runc and debootstrap.
#
#   deploy/image/build-base-images.sh [--force] [--with-compose]
set -euo pipefail

force=false
compose=false
for arg in "$@"; do
    case $arg in
        --force) force=true ;;
        --with-compose) compose=true ;;
        *) echo "usage: $0 [--force] [--with-compose]" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
engine=${CONTAINER_ENGINE:-podman}
aspnet=mcr.microsoft.com/dotnet/aspnet:10.0
sdk=mcr.microsoft.com/dotnet/sdk:10.0
debian=localhost/gcm-debian:bookworm

postgres=localhost/gcm-standin-postgres:15
nginx=localhost/gcm-standin-nginx:1.22

exists() { "$engine" image exists "$1"; }
if ! $force && exists "$aspnet" && exists "$sdk" && { ! $compose || { exists "$postgres" && exists "$nginx"; }; }; then
    echo "Base images present: $aspnet, $sdk$($compose && echo ", $postgres, $nginx") (--force rebuilds them)."
    exit 0
fi

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
sdk_version=$(dotnet --version)
[ -d "$dotnet_root/sdk/$sdk_version" ] || { echo "No .NET SDK under $dotnet_root." >&2; exit 1; }
work=$(mktemp -d /var/tmp/gcm-base-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. A Debian root file system from the mirror this machine's apt uses, imported as an image.
if $force || ! exists "$debian"; then
    mirror=$(grep -h -o -E '(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
             | awk '{print $2; exit}' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    echo "debootstrap $suite from $mirror..."
    # What .NET needs at run time (ICU, OpenSSL, zlib, time zones, CA certificates); nothing else.
    debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,zlib1g,tzdata \
        "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    tar -C "$work/rootfs" -c . | "$engine" import --change 'CMD ["/bin/bash"]' - "$debian" >/dev/null
    rm -rf "$work/rootfs"
fi

# 2. The runtime image: the shared frameworks and the dotnet host only.
if $force || ! exists "$aspnet" || ! exists "$sdk"; then
mkdir -p "$work/aspnet/dotnet/shared"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$work/aspnet/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$work/aspnet/dotnet/shared/"
cat >"$work/aspnet/Containerfile" <<CONTAINERFILE
FROM $debian
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \\
 && groupadd --gid 1654 app && useradd --uid 1654 --gid app --no-create-home --shell /bin/false app
ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true
LABEL org.gcm-actors.stand-in="built by deploy/image/build-base-images.sh from this machine's .NET"
CONTAINERFILE
echo "Building $aspnet..."
"$engine" build --isolation=chroot -q -t "$aspnet" "$work/aspnet" >/dev/null
rm -rf "$work/aspnet"

# 3. The SDK image: the SDK, plus the CA certificates and NuGet sources this machine restores with.
mkdir -p "$work/sdk/dotnet/sdk" "$work/sdk/certs" "$work/sdk/nuget"
cp -a "$dotnet_root/sdk/$sdk_version" "$work/sdk/dotnet/sdk/"
for d in packs sdk-manifests templates; do [ -d "$dotnet_root/$d" ] && cp -a "$dotnet_root/$d" "$work/sdk/dotnet/"; done
cp /usr/local/share/ca-certificates/*.crt "$work/sdk/certs/" 2>/dev/null || true
nuget_config=${NUGET_CONFIG:-$HOME/.nuget/NuGet/NuGet.Config}
if [ -f "$nuget_config" ]; then cp "$nuget_config" "$work/sdk/nuget/NuGet.Config"; else
    printf '<?xml version="1.0" encoding="utf-8"?>\n<configuration><packageSources><add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" /></packageSources></configuration>\n' \
        >"$work/sdk/nuget/NuGet.Config"
fi
cat >"$work/sdk/Containerfile" <<CONTAINERFILE
FROM $aspnet
COPY dotnet /usr/share/dotnet
COPY certs/ /usr/local/share/ca-certificates/
COPY nuget/NuGet.Config /root/.nuget/NuGet/NuGet.Config
RUN update-ca-certificates >/dev/null
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \\
    NUGET_CERT_REVOCATION_MODE=offline
CONTAINERFILE
echo "Building $sdk (SDK $sdk_version)..."
"$engine" build --isolation=chroot -q -t "$sdk" "$work/sdk" >/dev/null
echo "Base images ready: $aspnet, $sdk."
fi

# 4. For compose: PostgreSQL and nginx from Debian's packages (apt inside the build, from the same mirror).
if $compose; then
    if $force || ! exists "$postgres"; then
        mkdir -p "$work/postgres"
        cp "$here/postgres-entrypoint.sh" "$work/postgres/"
        cat >"$work/postgres/Containerfile" <<CONTAINERFILE
FROM $debian
RUN mkdir -p /etc/postgresql-common && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \\
 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \\
 && rm -rf /var/lib/apt/lists/*
COPY postgres-entrypoint.sh /usr/local/bin/
ENV PGDATA=/var/lib/postgresql/data
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CONTAINERFILE
        echo "Building $postgres..."
        "$engine" build --isolation=chroot --network host -q -t "$postgres" "$work/postgres" >/dev/null
    fi
    if $force || ! exists "$nginx"; then
        mkdir -p "$work/nginx"
        cat >"$work/nginx/Containerfile" <<CONTAINERFILE
FROM $debian
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null \\
 && rm -rf /var/lib/apt/lists/* && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
CONTAINERFILE
        echo "Building $nginx..."
        "$engine" build --isolation=chroot --network host -q -t "$nginx" "$work/nginx" >/dev/null
    fi
    echo "Compose stand-ins ready: $postgres, $nginx."
fi
