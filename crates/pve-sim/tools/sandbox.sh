# Bubblewrap arguments for a simulated machine (a node or a container), shared by
# `enter-node` (on the host) and `pct` (inside a node). Sourced, not run.
#
# sandbox_args ROOT HOSTNAME PROC
#   ROOT      the machine's own directory, bound read-write as /
#   HOSTNAME  its host name (a private UTS namespace)
#   PROC      "fresh" mounts a new /proc; "inherit" binds the current one (a sandbox
#             inside a sandbox may not mount proc)
# Sets the array SANDBOX. The host's /usr comes in read-only piece by piece, so the
# machine's own /usr/local stays its own; there is no network and no way out of ROOT.
sandbox_args() {
  local root=$1 host=$2 proc=$3 dir
  SANDBOX=(--bind "$root" / --unshare-all --unshare-user --uid 0 --gid 0
    --hostname "$host" --die-with-parent --new-session --dev /dev)
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
}

# The environment of a root login over SSH on a Proxmox node.
LOGIN_ENV=(--clearenv
  --setenv PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  --setenv HOME /root --setenv USER root --setenv LOGNAME root
  --setenv SHELL /bin/bash --setenv LANG C.UTF-8)
