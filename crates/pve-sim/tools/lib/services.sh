# Services as the modelled init systems see them: one file per service under
# /var/lib/pve-sim/services (description, process, ports, enabled, active, pid), the
# journal under /var/lib/pve-sim/journal. Used by systemctl, rc-service, the package
# managers, ss and journalctl.

# Loads service $1 into DESCRIPTION PROCESS PORTS ENABLED ACTIVE PID; fails if unknown.
service_load() {
  local file="$STATE/services/$1"
  [ -f "$file" ] || return 1
  DESCRIPTION= PROCESS= PORTS= ENABLED=disabled ACTIVE=inactive PID=0
  # shellcheck disable=SC1090
  . "$file"
}

service_save() {
  mkdir -p "$STATE/services"
  printf 'DESCRIPTION=%q\nPROCESS=%q\nPORTS=%q\nENABLED=%q\nACTIVE=%q\nPID=%q\n' \
    "$DESCRIPTION" "$PROCESS" "$PORTS" "$ENABLED" "$ACTIVE" "$PID" > "$STATE/services/$1"
}

# Every known service name, sorted.
service_names() {
  [ -d "$STATE/services" ] && ls "$STATE/services" 2>/dev/null | sort
}

service_start() {
  local name=$1
  service_load "$name" || return 1
  [ "$ACTIVE" = active ] && return 0
  journal "$name" "systemd[1]" "Starting $name.service - $DESCRIPTION..."
  PID=$((RANDOM % 30000 + 200))
  ACTIVE=active
  service_save "$name"
  journal "$name" "systemd[1]" "Started $name.service - $DESCRIPTION."
}

service_stop() {
  local name=$1
  service_load "$name" || return 1
  [ "$ACTIVE" = active ] || return 0
  journal "$name" "systemd[1]" "Stopping $name.service - $DESCRIPTION..."
  ACTIVE=inactive PID=0
  service_save "$name"
  journal "$name" "systemd[1]" "$name.service: Deactivated successfully."
  journal "$name" "systemd[1]" "Stopped $name.service - $DESCRIPTION."
}

# Registers the services package $1 ships; on Debian they are enabled and started at
# once (as the maintainer scripts do), elsewhere they wait for the administrator.
services_of_package_install() {
  local package=$1 family=$2 pkg name process ports description
  while IFS=$'\t' read -r pkg name process ports description; do
    [ "$pkg" = "$package" ] || continue
    service_load "$name" && continue
    DESCRIPTION=$description PROCESS=$process PID=0 ACTIVE=inactive ENABLED=disabled
    PORTS=${ports//,/ }
    [ "$PORTS" = - ] && PORTS=
    service_save "$name"
    if [ "$family" = debian ]; then
      ENABLED=enabled
      service_save "$name"
      service_start "$name"
    fi
  done < <(grep -v '^#' "$TOOLS/services.tsv")
}

services_of_package_remove() {
  local package=$1 pkg name rest
  while IFS=$'\t' read -r pkg name rest; do
    [ "$pkg" = "$package" ] || continue
    service_stop "$name" >/dev/null 2>&1
    rm -f "$STATE/services/$name"
  done < <(grep -v '^#' "$TOOLS/services.tsv")
}

# `systemctl`, on systemd distributions.
tool_systemctl() {
  [ "$(os_family)" = alpine ] && not_found systemctl
  local verb= now=false value=false plain=false legend=true all=false state= props= args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --now) now=true ;;
      --value) value=true ;;
      --plain) plain=true ;;
      --no-legend) legend=false ;;
      --no-pager | --quiet | -q | --full | -l | --no-block | --system) ;;
      --all | -a) all=true ;;
      --state=*) state=${1#--state=} ;;
      --type=* | -t) [ "$1" = -t ] && shift ;;
      -p | --property) props+=${props:+,}$2; shift ;;
      --property=*) props+=${props:+,}${1#--property=} ;;
      -*) echo "systemctl: unrecognized option '$1'" >&2; exit 1 ;;
      *) if [ -z "$verb" ]; then verb=$1; else args+=("${1%.service}"); fi ;;
    esac
    shift
  done
  local name status=0
  case "$verb" in
    list-units | "")
      systemctl_list "$plain" "$legend" "$all" "$state" ;;
    start | restart | reload | try-restart | reload-or-restart)
      for name in "${args[@]}"; do
        if ! service_load "$name"; then
          echo "Failed to $verb $name.service: Unit $name.service not found." >&2
          status=5; continue
        fi
        [ "$verb" = start ] || [ "$verb" = reload ] || service_stop "$name"
        service_start "$name"
      done ;;
    stop)
      for name in "${args[@]}"; do
        if ! service_load "$name"; then
          echo "Failed to stop $name.service: Unit $name.service not loaded." >&2
          status=5; continue
        fi
        service_stop "$name"
      done ;;
    enable | disable)
      for name in "${args[@]}"; do
        if ! service_load "$name"; then
          echo "Failed to $verb unit: Unit file $name.service does not exist." >&2
          status=1; continue
        fi
        if [ "$verb" = enable ] && [ "$ENABLED" != enabled ]; then
          echo "Created symlink /etc/systemd/system/multi-user.target.wants/$name.service → /lib/systemd/system/$name.service." >&2
          ENABLED=enabled
        elif [ "$verb" = disable ] && [ "$ENABLED" = enabled ]; then
          echo "Removed \"/etc/systemd/system/multi-user.target.wants/$name.service\"." >&2
          ENABLED=disabled
        fi
        service_save "$name"
        if $now; then
          if [ "$verb" = enable ]; then service_start "$name"; else service_stop "$name"; fi
        fi
      done ;;
    is-active)
      for name in "${args[@]}"; do
        if service_load "$name" && [ "$ACTIVE" = active ]; then echo active; else echo inactive; status=3; fi
      done ;;
    is-enabled)
      for name in "${args[@]}"; do
        if service_load "$name"; then
          echo "$ENABLED"; [ "$ENABLED" = enabled ] || status=1
        else
          echo "Failed to get unit file state for $name.service: No such file or directory" >&2; status=1
        fi
      done ;;
    status)
      for name in "${args[@]}"; do
        systemctl_status "$name" || status=$?
      done ;;
    show)
      for name in "${args[@]}"; do
        systemctl_show "$name" "${props:-Id,Description,LoadState,ActiveState,SubState,MainPID,UnitFileState}" "$value"
      done ;;
    daemon-reload | daemon-reexec | reset-failed) ;;
    *) echo "Unknown command verb '$verb'." >&2; status=1 ;;
  esac
  return "$status"
}

systemctl_list() {
  local plain=$1 legend=$2 all=$3 state=$4 name rows=() width=4 sub
  for name in $(service_names); do
    service_load "$name" || continue
    sub=dead
    [ "$ACTIVE" = active ] && sub=running
    if ! $all && [ "$ACTIVE" != active ] && [ -z "$state" ]; then continue; fi
    case "$state" in "" | "$sub" | "$ACTIVE") ;; *) continue ;; esac
    rows+=("$name.service"$'\t'"$ACTIVE"$'\t'"$sub"$'\t'"$DESCRIPTION")
    [ $((${#name} + 8)) -gt "$width" ] && width=$((${#name} + 8))
  done
  local lead="  "
  $plain && lead=
  $legend && printf "%s%-${width}s LOAD   ACTIVE SUB     DESCRIPTION\n" "$lead" UNIT
  local row unit active
  for row in "${rows[@]}"; do
    IFS=$'\t' read -r unit active sub description <<< "$row"
    printf "%s%-${width}s loaded %-6s %-7s %s\n" "$lead" "$unit" "$active" "$sub" "$description"
  done
  if $legend; then
    printf '\n%s loaded units listed.\n' "${#rows[@]}"
  fi
}

systemctl_status() {
  local name=$1
  if ! service_load "$name"; then
    echo "Unit $name.service could not be found." >&2
    return 4
  fi
  local dot="○" since="inactive (dead)"
  if [ "$ACTIVE" = active ]; then dot="●"; since="active (running)"; fi
  echo "$dot $name.service - $DESCRIPTION"
  echo "     Loaded: loaded (/lib/systemd/system/$name.service; $ENABLED; preset: enabled)"
  echo "     Active: $since"
  [ "$ACTIVE" = active ] && echo "   Main PID: $PID ($PROCESS)"
  echo
  journal_print short 10 false "$name"
  [ "$ACTIVE" = active ] || return 3
}

systemctl_show() {
  local name=$1 props=$2 value=$3 prop answer known=true
  service_load "$name" || known=false
  for prop in ${props//,/ }; do
    case "$prop" in
      Id) answer=$name.service ;;
      Description) answer=$($known && echo "$DESCRIPTION" || echo "$name.service") ;;
      LoadState) answer=$($known && echo loaded || echo not-found) ;;
      ActiveState) answer=$($known && echo "$ACTIVE" || echo inactive) ;;
      SubState) answer=$($known && [ "$ACTIVE" = active ] && echo running || echo dead) ;;
      MainPID) answer=$($known && echo "$PID" || echo 0) ;;
      UnitFileState) answer=$($known && echo "$ENABLED") ;;
      *) answer= ;;
    esac
    if $value; then echo "$answer"; else echo "$prop=$answer"; fi
  done
}

# `journalctl [-u UNIT]… [-n N] [-f] [-o short|short-iso|cat] [--no-pager]`.
tool_journalctl() {
  [ "$(os_family)" = alpine ] && not_found journalctl
  local units=() lines= follow=false format=short quiet=false
  while [ $# -gt 0 ]; do
    case "$1" in
      -u | --unit) units+=("${2%.service}"); shift ;;
      --unit=*) units+=("$(basename "${1#--unit=}" .service)") ;;
      -u*) units+=("${1#-u}") ;;
      -n | --lines) lines=$2; shift ;;
      --lines=*) lines=${1#--lines=} ;;
      -n*) lines=${1#-n} ;;
      -f | --follow) follow=true ;;
      -o | --output) format=$2; shift ;;
      --output=*) format=${1#--output=} ;;
      -q | --quiet) quiet=true ;;
      --version) echo "systemd 252 (252.38-1~deb12u1)"; echo "+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL"; return 0 ;;
      --no-pager | -b | --boot | -e | --pager-end | -x | --no-hostname | -a | --all) ;;
      --since | --until | -S | -U | -p | --priority) shift ;;
      --since=* | --until=* | --priority=*) ;;
      *) echo "journalctl: unrecognized option '$1'" >&2; return 1 ;;
    esac
    shift
  done
  case "$format" in short | short-iso | cat) ;; *)
    echo "Invalid output format: $format" >&2; return 1 ;;
  esac
  if [ -n "$lines" ] && ! [[ $lines =~ ^[0-9]+$ ]]; then
    echo "Failed to parse lines '$lines'" >&2; return 1
  fi
  $follow && [ -z "$lines" ] && lines=10
  [ ${#units[@]} -eq 0 ] && mapfile -t units < <(ls "$STATE/journal" 2>/dev/null)
  journal_print "$format" "${lines:-all}" "$quiet" "${units[@]}"
  if $follow; then
    local files=() unit
    for unit in "${units[@]}"; do
      mkdir -p "$STATE/journal"
      touch "$STATE/journal/$unit"
      files+=("$STATE/journal/$unit")
    done
    tail -q -n 0 -F "${files[@]}" 2>/dev/null | journal_format "$format"
  fi
}

# Prints the last COUNT ("all" for every) journal lines of UNITS in time order.
journal_print() {
  local format=$1 count=$2 quiet=$3 unit files=()
  shift 3
  for unit in "$@"; do
    [ -f "$STATE/journal/$unit" ] && files+=("$STATE/journal/$unit")
  done
  if [ ${#files[@]} -eq 0 ] || [ -z "$(cat "${files[@]}")" ]; then
    $quiet || echo "-- No entries --"
    return 0
  fi
  if [ "$count" = all ]; then
    sort -s -n -k1,1 "${files[@]}" | journal_format "$format"
  else
    sort -s -n -k1,1 "${files[@]}" | tail -n "$count" | journal_format "$format"
  fi
}

# Journal lines (epoch, identifier, message) as journalctl prints them, each written
# as soon as it is read (for `-f`).
journal_format() {
  local format=$1 host epoch ident message
  host=$(uname -n)
  while IFS=$'\t' read -r epoch ident message; do
    case "$format" in
      cat) printf '%s\n' "$message" ;;
      short-iso) printf '%(%Y-%m-%dT%H:%M:%S%z)T %s %s: %s\n' "$epoch" "$host" "$ident" "$message" ;;
      *) printf '%(%b %d %H:%M:%S)T %s %s: %s\n' "$epoch" "$host" "$ident" "$message" ;;
    esac
  done
}

# OpenRC's `rc-service NAME start|stop|restart|status`, on Alpine.
tool_rc_service() {
  [ "$(os_family)" = alpine ] || not_found rc-service
  local name=$1 verb=${2:-}
  if ! service_load "$name"; then
    echo " * rc-service: service \`$name' does not exist" >&2
    return 1
  fi
  case "$verb" in
    start) echo " * Starting $name ..."; service_start "$name"; echo " [ ok ]" ;;
    stop) echo " * Stopping $name ..."; service_stop "$name"; echo " [ ok ]" ;;
    restart)
      echo " * Stopping $name ..."; service_stop "$name"; echo " [ ok ]"
      echo " * Starting $name ..."; service_start "$name"; echo " [ ok ]" ;;
    status)
      if [ "$ACTIVE" = active ]; then echo " * status: started"; else echo " * status: stopped"; return 3; fi ;;
    *) echo " * rc-service: unknown command $verb" >&2; return 1 ;;
  esac
}

# `rc-update add|del NAME [RUNLEVEL]` and `rc-update show`.
tool_rc_update() {
  [ "$(os_family)" = alpine ] || not_found rc-update
  local verb=${1:-show} name=${2:-} level=${3:-default}
  case "$verb" in
    add | del)
      if ! service_load "$name"; then
        echo " * rc-update: service \`$name' does not exist" >&2
        return 1
      fi
      if [ "$verb" = add ]; then
        ENABLED=enabled; echo " * service $name added to runlevel $level"
      else
        ENABLED=disabled; echo " * service $name removed from runlevel $level"
      fi
      service_save "$name" ;;
    show | -s)
      for name in $(service_names); do
        service_load "$name" && [ "$ENABLED" = enabled ] && printf ' %20s | default\n' "$name"
      done ;;
    *) echo "rc-update: unknown command $verb" >&2; return 1 ;;
  esac
}

tool_rc_status() {
  [ "$(os_family)" = alpine ] || not_found rc-status
  echo "Runlevel: default"
  local name word
  for name in $(service_names); do
    service_load "$name" || continue
    word=stopped
    [ "$ACTIVE" = active ] && word=started
    printf ' %-40s [  %s  ]\n' "$name" "$word"
  done
}
