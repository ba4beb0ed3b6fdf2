#!/usr/bin/env bash
# Makes a stand-in for the official node:<major>-bookworm-slim image, since nothing can be pulled here: a minimal
# Debian bookworm (debootstrap), the Node.js binary that npm's `node` package put in node_modules, the host's npm,
# and a `node` user with uid 1000 as in the official image. Imported with `docker import` under the name the
# Dockerfile uses, so the Dockerfile stays the one a user with a registry builds.
#   usage: base-image.sh TAG     (docker is called as $DOCKER; the mirror is $DEBIAN_MIRROR)
set -euo pipefail
tag=$1
docker=${DOCKER:-docker}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
repo=$(cd "$(dirname "$0")/../.." && pwd)
node_bin=$(readlink -f "$repo/node_modules/node/bin/node")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # .../node_modules/npm

work=$(mktemp -d /tmp/p2p-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
# DEBOOTSTRAP_CACHE keeps the downloaded packages for the next time
cache_opt=() ; [ -n "${DEBOOTSTRAP_CACHE:-}" ] && mkdir -p "$DEBOOTSTRAP_CACHE" && cache_opt=(--cache-dir="$DEBOOTSTRAP_CACHE")
debootstrap --variant=minbase "${cache_opt[@]}" bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -5 "$work/debootstrap.log" >&2; exit 1; }

install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
strip --strip-debug "$root/usr/local/bin/node" 2>/dev/null || true   # the npm binary ships its debug info
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# Trust what the host trusts: where a TLS-inspecting proxy stands between this machine and the npm registry, npm
# in the build would otherwise fail with SELF_SIGNED_CERT_IN_CHAIN (the official image has only Node's own CAs).
ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$ca" ] && install -D -m 0644 "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
# what the official slim images leave out too
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*

tar -C "$root" -c . | "$docker" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  --message "local stand-in for $tag (debootstrap + node_modules/node)" - "$tag" > /dev/null
echo "base image $tag: node $("$docker" run --rm --network none "$tag" node --version)"
