# Bubblewrap sandboxes for the simulated machines (nodes and containers), shared by
# `enter-node` (on the host) and `pct` (inside a node). Sourced, not run.
#
# Two ways to become root inside, chosen by the simulator at start (tools/idmap):
#   full    (the simulator runs as root) a user namespace of our own making maps a whole
#           range, as Proxmox does for unprivileged containers: a container's root is
#           uid 100000 outside, its uid 1000 is 101000, so `chown` works inside;
#   single  (any other user) bubblewrap maps the caller to root and nothing else; a
#           `chown` to another user fails with "Invalid argument".

read -r IDMAP < "${BASH_SOURCE[0]%/*}/idmap" || IDMAP=single

# sandbox_args ROOT HOSTNAME PROC: sets SANDBOX to the bubblewrap arguments of a machine
# whose own directory ROOT is bound read-write as /, with the host's /usr read-only piece
# by piece (its /usr/local stays its own), its own host name, and no network.
#   PROC: "fresh" mounts a new /proc; "inherit" binds the current one (a sandbox inside
#   a sandbox may not mount proc).
sandbox_args() {
  local root=$1 host=$2 proc=$3 dir
  SANDBOX=(--bind "$root" / --unshare-pid --unshare-net --unshare-ipc --unshare-uts
    --unshare-cgroup-try --hostname "$host" --die-with-parent --new-session --dev /dev)
  if [ "$proc" = fresh ]; then
    SANDBOX+=(--proc /proc)
  else
    SANDBOX+=(--ro-bind /proc /proc)
  fi
  for dir in bin sbin lib lib32 lib64 libx32 libexec share include; do
    if [ -d "/usr/$dir" ] && [ ! -L "/usr/$dir" ]; then
      SANDBOX+=(--ro-bind "/usr/$dir" "/usr/$dir")
    fi
  done
  # Where the host's programs point (`awk` → /etc/alternatives/awk → mawk).
  [ -d /etc/alternatives ] && SANDBOX+=(--ro-bind /etc/alternatives /etc/alternatives)
}

# as_root_of MAP COMMAND…: runs COMMAND (bwrap) as root of a new user namespace. With
# the full idmap, MAP ("inside outside count") is written by us; otherwise bubblewrap
# makes a namespace mapping only the caller.
as_root_of() {
  local map=$1 holder
  shift
  if [ "$IDMAP" != full ]; then
    exec "$1" --unshare-user --uid 0 --gid 0 "${@:2}"
  fi
  # A process that waits in a new namespace while we write its maps (one line each:
  # a map must arrive in one write).
  unshare --user sleep 600 &
  holder=$!
  while [[ /proc/$holder/ns/user -ef /proc/$$/ns/user ]]; do :; done
  if ! { echo "$map" > "/proc/$holder/uid_map" && echo "$map" > "/proc/$holder/gid_map"; } 2>/dev/null; then
    kill "$holder" 2>/dev/null
    echo "pve-sim: cannot map the user ids of a sandbox" >&2
    exit 255
  fi
  exec 7< "/proc/$holder/ns/user"
  kill "$holder"
  exec nsenter --user=/proc/self/fd/7 --setuid 0 --setgid 0 -- \
    /bin/sh -c 'exec 7<&-; exec "$@"' enter "$@"
}

# Node root is the host's root, and container ids 100000… pass through unchanged.
NODE_MAP='0 0 165536'
# A container's root is 100000 on the node, as in Proxmox's unprivileged containers.
GUEST_MAP='0 100000 65536'

# The environment of a root login over SSH on a Proxmox node.
LOGIN_ENV=(--clearenv
  --setenv PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  --setenv HOME /root --setenv USER root --setenv LOGNAME root
  --setenv SHELL /bin/bash --setenv LANG C.UTF-8)
