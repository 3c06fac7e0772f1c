# Shared by the modelled tools: the simulator's state inside the container, the OS
# family, pauses at the simulator's speed, and "command not found".

STATE=/var/lib/pve-sim
TOOLS=/usr/local/lib/pve-sim

# debian, alpine or rhel, from /etc/os-release (empty when unknown).
os_family() {
  local id= like=
  if [ -r /etc/os-release ]; then
    id=$(sed -n 's/^ID=//p' /etc/os-release | tr -d '"')
    like=$(sed -n 's/^ID_LIKE=//p' /etc/os-release | tr -d '"')
  fi
  case " $id $like " in
    *" debian "* | *" ubuntu "*) echo debian ;;
    *" alpine "*) echo alpine ;;
    *" rhel "* | *" fedora "* | *" centos "* | *" rocky "*) echo rhel ;;
  esac
}

# Waits MS milliseconds of realistic time, scaled by the simulator's speed (0: none).
pause() {
  local speed
  speed=$(cat "$TOOLS/speed" 2>/dev/null || echo 0)
  [ "$speed" = 0 ] && return 0
  sleep "$(awk -v ms="$1" -v f="$speed" 'BEGIN { printf "%.3f", ms * f / 1000 }')"
}

# What bash says for a program that is not there; exits 127.
not_found() {
  echo "bash: $1: command not found" >&2
  exit 127
}

# Whether package $1 is installed.
installed() {
  [ -f "$STATE/packages" ] && awk -v p="$1" '$1 == p { found = 1 } END { exit !found }' "$STATE/packages"
}

# The version of package $1 on this OS family $2 (versions.tsv; `*` for any other).
version_of() {
  awk -F '\t' -v p="$1" -v f="$2" '
    $2 == f && $1 == p { print $3; found = 1; exit }
    $2 == f && $1 == "*" { fallback = $3 }
    END { if (!found) print fallback }' "$TOOLS/versions.tsv"
}

# Appends one journal line for service $1 from IDENT[PID] $2: message $3.
journal() {
  if [ "$(os_family)" = alpine ]; then
    # No journal on Alpine: OpenRC services log through syslog to /var/log/messages.
    local ident=$2
    [ "$ident" = "systemd[1]" ] && ident=$1
    printf '%(%b %e %H:%M:%S)T %s daemon.info %s: %s\n' -1 "$(cat /etc/hostname 2>/dev/null)" "$ident" "$3" >> /var/log/messages
    return 0
  fi
  mkdir -p "$STATE/journal"
  printf '%(%s)T\t%s\t%s\n' -1 "$2" "$3" >> "$STATE/journal/$1"
}
