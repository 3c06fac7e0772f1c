# The network as seen from inside: `ss` (listening sockets of the running services and
# of published Docker ports), `ip` (the address the simulator gave eth0) and `docker`.

# `ss [-l] [-t] [-u] [-n] [-p] [-H] [-a]`, flags alone or bundled (`-ltnpH`).
tool_ss() {
  local flags= arg
  for arg in "$@"; do
    case "$arg" in
      --no-header) flags+=H ;;
      --listening) flags+=l ;;
      --tcp) flags+=t ;;
      --processes) flags+=p ;;
      --numeric) flags+=n ;;
      -[a-zA-Z]*) flags+=${arg#-} ;;
      *) echo "ss: bad option '$arg'" >&2; return 1 ;;
    esac
  done
  local tcp=true
  [[ $flags == *u* && $flags != *t* ]] && tcp=false
  [[ $flags == *H* ]] || printf '%-6s %-6s %-6s %20s %20s%s\n' State Recv-Q Send-Q "Local Address:Port" "Peer Address:Port" Process
  $tcp || return 0
  local name port
  for name in $(service_names); do
    service_load "$name" && [ "$ACTIVE" = active ] || continue
    for port in $PORTS; do
      ss_listener "$flags" 511 "$port" "$PROCESS" "$PID" 6
    done
  done
  local container
  for container in "$STATE"/docker/*; do
    [ -f "$container" ] || continue
    docker_load "$container"
    [ "$DSTATUS" = running ] || continue
    for port in $DPORTS; do
      ss_listener "$flags" 4096 "${port%%:*}" docker-proxy "$DPID" 4
    done
  done
}

# One listening socket: ss_listener FLAGS BACKLOG [ADDRESS:]PORT PROCESS PID FD; without an
# address it listens on all of them (IPv4 and IPv6, as two sockets).
ss_listener() {
  local users= address=0.0.0.0 port=$3
  [[ $1 == *p* ]] && users="users:((\"$4\",pid=$5,fd=$6))"
  if [[ $3 == *:* ]]; then
    address=${3%:*} port=${3##*:}
  fi
  printf '%-6s %-6s %-6s %20s %20s %s\n' LISTEN 0 "$2" "$address:$port" "0.0.0.0:*" "$users"
  [ "$address" = 0.0.0.0 ] && printf '%-6s %-6s %-6s %20s %20s %s\n' LISTEN 0 "$2" "[::]:$port" "[::]:*" "$users"
  [ "$address" = 127.0.0.1 ] && printf '%-6s %-6s %-6s %20s %20s %s\n' LISTEN 0 "$2" "[::1]:$port" "[::]:*" "$users"
  return 0
}

# `ip [-j] [-4] addr|address|a [show]` and `ip route`.
tool_ip() {
  local json=false object=
  while [ $# -gt 0 ]; do
    case "$1" in
      -j | -json) json=true ;;
      -4 | -6 | -o | -br | -c) ;;
      *) object=$1; shift; break ;;
    esac
    shift
  done
  local mac=- address=-
  [ -r "$STATE/net" ] && read -r mac address < "$STATE/net"
  mac=$(tr 'A-Z' 'a-z' <<< "$mac")
  case "$object" in
    addr | address | a)
      if $json; then
        printf '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"operstate":"UNKNOWN","link_type":"loopback","address":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo"}]}'
        printf ',{"ifindex":2,"link_index":3,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","link_type":"ether","address":"%s","addr_info":[' "$mac"
        [ "$address" != - ] && printf '{"family":"inet","local":"%s","prefixlen":24,"broadcast":"%s.255","scope":"global","dynamic":true,"label":"eth0"}' "$address" "${address%.*}"
        printf ']}]\n'
      else
        echo "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000"
        echo "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
        echo "    inet 127.0.0.1/8 scope host lo"
        echo "2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000"
        echo "    link/ether $mac brd ff:ff:ff:ff:ff:ff link-netnsid 0"
        [ "$address" != - ] && echo "    inet $address/24 brd ${address%.*}.255 scope global dynamic eth0"
      fi ;;
    route | r)
      [ "$address" != - ] && echo "default via ${address%.*}.1 dev eth0" && echo "${address%.*}.0/24 dev eth0 proto kernel scope link src $address" ;;
    link | l)
      echo "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536"
      echo "2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500" ;;
    *) echo "Object \"$object\" is unknown, try \"ip help\"." >&2; return 1 ;;
  esac
}

# Tab-separated rows as docker prints its tables (Go's tabwriter): each column as wide as
# its widest cell plus three spaces, the last one unpadded.
docker_table() {
  awk -F'\t' '
    { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > width[i]) width[i] = length($i) } cells[NR] = NF }
    END {
      for (r = 1; r <= NR; r++) {
        line = ""
        for (i = 1; i < cells[r]; i++) line = line sprintf("%-" (width[i] + 3) "s", cell[r, i])
        print line cell[r, cells[r]]
      }
    }'
}

docker_load() {
  DNAME= DIMAGE= DPORTS= DSTATUS= DPID= DCREATED=
  # shellcheck disable=SC1090
  . "$1"
}

# `docker ps [-a]`, `docker run -d [--name N] [-p H:C]… IMAGE`, `docker stop|start|rm N`,
# once docker is installed and its service runs.
tool_docker() {
  installed docker.io || installed docker || installed docker-ce || not_found docker
  if ! service_load docker || [ "$ACTIVE" != active ]; then
    echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
    return 1
  fi
  mkdir -p "$STATE/docker"
  local verb=${1:-}
  shift || true
  case "$verb" in
    ps)
      local all=false file
      [[ " $* " == *" -a "* || " $* " == *" --all "* ]] && all=true
      {
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "CONTAINER ID" IMAGE COMMAND CREATED STATUS PORTS NAMES
        for file in "$STATE"/docker/*; do
          [ -f "$file" ] || continue
          docker_load "$file"
          $all || [ "$DSTATUS" = running ] || continue
          local ports= port status="Exited (0) 1 minute ago"
          [ "$DSTATUS" = running ] && status="Up 2 minutes"
          for port in $DPORTS; do ports+="0.0.0.0:${port%%:*}->${port#*:}/tcp, "; done
          printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${file##*/}" "$DIMAGE" '"/entrypoint.sh"' "2 minutes ago" "$status" "${ports%, }" "$DNAME"
        done
      } | docker_table ;;
    run)
      local name= ports= detach=false image=
      while [ $# -gt 0 ]; do
        case "$1" in
          -d | --detach) detach=true ;;
          --name) name=$2; shift ;;
          --name=*) name=${1#--name=} ;;
          -p | --publish) ports+="${ports:+ }$2"; shift ;;
          --restart | -e | --env | -v | --volume) shift ;;
          -*) ;;
          *) image=$1; break ;;
        esac
        shift
      done
      [ -n "$image" ] || { echo "docker: 'docker run' requires at least 1 argument." >&2; return 125; }
      local id
      id=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
      [ -n "$name" ] || name="sim_${id:0:6}"
      pause 2000
      printf 'DNAME=%q\nDIMAGE=%q\nDPORTS=%q\nDSTATUS=running\nDPID=%q\n' "$name" "$image" "$ports" "$((RANDOM % 30000 + 200))" > "$STATE/docker/$id"
      $detach && echo "$id$id$id$id$id${id:0:4}" ;;
    stop | start | rm)
      local target file found
      for target in "$@"; do
        [[ $target == -* ]] && continue
        found=false
        for file in "$STATE"/docker/*; do
          [ -f "$file" ] || continue
          docker_load "$file"
          if [ "$DNAME" = "$target" ] || [[ ${file##*/} == "$target"* ]]; then
            found=true
            case "$verb" in
              rm) rm -f "$file" ;;
              *) sed -i "s/^DSTATUS=.*/DSTATUS=$([ "$verb" = stop ] && echo exited || echo running)/" "$file" ;;
            esac
            echo "$target"
          fi
        done
        $found || { echo "Error response from daemon: No such container: $target" >&2; return 1; }
      done ;;
    info)
      local version
      version=$(version_of docker.io "$(os_family)")
      version=${version%%+*}
      if [[ " $* " == *"{{.ServerVersion}}"* ]]; then
        echo "${version#*:}"
      else
        printf 'Client:\n Context:    default\n\nServer:\n Containers: %s\n Server Version: %s\n Storage Driver: overlay2\n' \
          "$(ls "$STATE/docker" | wc -l)" "${version#*:}"
      fi ;;
    *) echo "docker: '$verb' is not a docker command." >&2; return 1 ;;
  esac
}
