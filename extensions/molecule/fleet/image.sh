#!/usr/bin/env bash
# Builds the fleet scenario's platform image once, without any container registry: a Debian 12 root
# filesystem made by debootstrap (python3 for Ansible, skopeo to pull; netavark is the network stack that
# skopeo's containers-common needs, which debootstrap cannot pick by itself), imported with `podman import`
# into the scenario's own podman storage (containers.conf and storage.conf beside this script).
# When the image is there already, it does nothing. The build directory goes away in every case.
#
#     extensions/molecule/fleet/image.sh
#
# Needs root, debootstrap and podman (with runc); DEBIAN_MIRROR overrides the Debian mirror.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
export CONTAINERS_STORAGE_CONF="${CONTAINERS_STORAGE_CONF:-$here/storage.conf}"
image="localhost/scaleway-registry-fleet:bookworm"  # as in molecule.yml
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if podman image exists "$image"; then
    echo "$image: cached, not rebuilt"
    exit 0
fi

work="$(mktemp -d /tmp/scaleway-registry-molecule-build.XXXXXX)"
cleanup() {
    # debootstrap mounts /proc and /sys in the target and unmounts them; should one stay after a failure,
    # unmount it before removing anything, and never cross into another file system.
    local mount_point
    while read -r mount_point; do
        umount -l "$mount_point" || true
    done < <(awk -v root="$work/" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r)
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

echo "$image: building with debootstrap from $mirror"
start=$SECONDS
debootstrap --variant=minbase --include=python3,skopeo,netavark bookworm "$work/rootfs" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log"; exit 1; }
# Smaller: no package lists, caches, documentation or translations.
rm -rf "$work"/rootfs/var/cache/apt/* "$work"/rootfs/var/lib/apt/lists/* \
    "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/info/* \
    "$work"/rootfs/usr/share/locale/*
# podman gives each container its own /dev, /proc and /sys.
tar --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -C "$work/rootfs" -cf - . \
    | podman import --quiet --change 'CMD ["/bin/sleep", "infinity"]' - "$image" > /dev/null
echo "$image: built in $((SECONDS - start)) s ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
