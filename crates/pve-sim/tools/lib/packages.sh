# The package managers: apt-get/apt and dpkg (Debian, Ubuntu), apk (Alpine), dnf/yum and
# rpm (Rocky), with pip and npm once their packages are there. The installed packages are
# the lines "name version" of /var/lib/pve-sim/packages; a package that ships a service
# brings it along (services.tsv).

# Whether a package of that name exists in the distribution's repositories: names that
# are well formed, except the ones tests use to mean "no such package".
package_exists() {
  [[ $1 =~ ^[a-z0-9][a-z0-9+.:_-]*$ ]] && [[ $1 != *nonexistent* ]] && [[ $1 != no-such-* ]]
}

package_add() {
  local name=$1 family=$2
  mkdir -p "$STATE"
  echo "$name $(version_of "$name" "$family")" >> "$STATE/packages"
  users_of_package_install "$name"
  paths_of_package_install "$name" "$family"
  services_of_package_install "$name" "$family"
}

# Makes the folders package $1 ships on OS family $2 (paths.tsv).
paths_of_package_install() {
  local package=$1 family=$2 pkg fam dirs dir
  while IFS=$'\t' read -r pkg fam dirs; do
    [ "$pkg" = "$package" ] && { [ "$fam" = "*" ] || [ "$fam" = "$family" ]; } || continue
    for dir in ${dirs//,/ }; do
      mkdir -p "$dir"
    done
  done < <(grep -v '^#' "$TOOLS/paths.tsv")
}

# Adds the system user and group package $1 makes (users.tsv; `-` for a group only),
# with the next free system id, as `adduser --system --group` does.
users_of_package_install() {
  local package=$1 pkg user home shell description id
  while IFS=$'\t' read -r pkg user home shell description; do
    [ "$pkg" = "$package" ] || continue
    [ "$user" = - ] && user=$description home=
    grep -q "^$user:" /etc/group 2>/dev/null && continue
    id=$(awk -F: '$3 >= 100 && $3 < 1000 && $3 > max { max = $3 } END { print (max ? max : 99) + 1 }' /etc/passwd /etc/group)
    echo "$user:x:$id:" >> /etc/group
    [ -n "$home" ] || continue
    echo "$user:x:$id:$id:$description,,,:$home:$shell" >> /etc/passwd
    echo "$user:*:20000:0:99999:7:::" >> /etc/shadow
    mkdir -p "$home" 2>/dev/null && chown "$user:$user" "$home" 2>/dev/null
  done < <(grep -v '^#' "$TOOLS/users.tsv")
}

package_remove() {
  services_of_package_remove "$1"
  [ -f "$STATE/packages" ] || return 0
  awk -v p="$1" '$1 != p' "$STATE/packages" > "$STATE/packages.new" && mv "$STATE/packages.new" "$STATE/packages"
}

# Words that are not options.
only_names() {
  local word
  for word in "$@"; do
    [[ $word == -* ]] || printf '%s\n' "$word"
  done
}

tool_apt_get() {
  local me=$1 family
  shift
  family=$(os_family)
  [ "$family" = debian ] || not_found "$me"
  [ "$me" = apt ] && echo "WARNING: apt does not have a stable CLI interface. Use with caution in scripts." >&2 && echo >&2
  local verb=
  local args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -o | -t | -c) shift ;;
      -*) ;;
      *) if [ -z "$verb" ]; then verb=$1; else args+=("$1"); fi ;;
    esac
    shift
  done
  local name
  case "$verb" in
    update)
      pause 600
      echo "Hit:1 http://deb.debian.org/debian bookworm InRelease"
      pause 400
      echo "Get:2 http://deb.debian.org/debian bookworm-updates InRelease [55.4 kB]"
      echo "Get:3 http://security.debian.org bookworm-security InRelease [48.0 kB]"
      pause 900
      echo "Fetched 103 kB in 1s (98.2 kB/s)"
      echo "Reading package lists..."
      ;;
    install)
      echo "Reading package lists..."
      echo "Building dependency tree..."
      echo "Reading state information..."
      local new=()
      for name in "${args[@]}"; do
        name=${name%%=*}
        if ! package_exists "$name"; then
          echo "E: Unable to locate package $name" >&2
          return 100
        fi
        if installed "$name"; then
          echo "$name is already the newest version ($(version_of "$name" debian))."
        else
          new+=("$name")
        fi
      done
      if [ ${#new[@]} -gt 0 ]; then
        echo "The following NEW packages will be installed:"
        echo "  ${new[*]}"
      fi
      echo "0 upgraded, ${#new[@]} newly installed, 0 to remove and 0 not upgraded."
      [ ${#new[@]} -gt 0 ] || return 0
      echo "Need to get $((${#new[@]} * 312)) kB of archives."
      local index=0
      for name in "${new[@]}"; do
        index=$((index + 1))
        pause 700
        echo "Get:$index http://deb.debian.org/debian bookworm/main amd64 $name amd64 $(version_of "$name" debian) [312 kB]"
      done
      for name in "${new[@]}"; do
        echo "Selecting previously unselected package $name."
        echo "Unpacking $name ($(version_of "$name" debian)) ..."
      done
      for name in "${new[@]}"; do
        pause 500
        echo "Setting up $name ($(version_of "$name" debian)) ..."
        package_add "$name" debian
      done
      ;;
    remove | purge | autoremove)
      echo "Reading package lists..."
      for name in "${args[@]}"; do
        if installed "$name"; then
          echo "Removing $name ($(version_of "$name" debian)) ..."
          package_remove "$name"
        else
          echo "Package '$name' is not installed, so not removed"
        fi
      done
      ;;
    upgrade | dist-upgrade | full-upgrade)
      echo "Reading package lists..."
      echo "Calculating upgrade..."
      echo "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded."
      ;;
    clean | autoclean) ;;
    "") echo "E: No command given" >&2; return 100 ;;
    *) echo "E: Invalid operation $verb" >&2; return 100 ;;
  esac
}

tool_dpkg() {
  [ "$(os_family)" = debian ] || not_found dpkg
  local name status=0
  case "${1:-}" in
    -s | --status)
      shift
      for name in "$@"; do
        if installed "$name"; then
          printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' \
            "$name" "$(version_of "$name" debian)"
        else
          echo "dpkg-query: package '$name' is not installed and no information is available" >&2
          status=1
        fi
      done ;;
    -l | --list)
      echo "Desired=Unknown/Install/Remove/Purge/Hold"
      echo "||/ Name           Version      Architecture Description"
      [ -f "$STATE/packages" ] && awk '{ printf "ii  %-14s %-12s amd64        %s\n", $1, $2, $1 }' "$STATE/packages" ;;
    *) echo "dpkg: error: need an action option" >&2; status=2 ;;
  esac
  return "$status"
}

tool_apk() {
  [ "$(os_family)" = alpine ] || not_found apk
  local verb=${1:-} name names=() missing=()
  shift || true
  mapfile -t names < <(only_names "$@")
  case "$verb" in
    update)
      pause 800
      echo "fetch https://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/APKINDEX.tar.gz"
      echo "fetch https://dl-cdn.alpinelinux.org/alpine/v3.22/community/x86_64/APKINDEX.tar.gz"
      echo "v3.22.1-63-g1a9d6e5f [https://dl-cdn.alpinelinux.org/alpine/v3.22/main]"
      echo "OK: 26412 distinct packages available"
      ;;
    add)
      for name in "${names[@]}"; do
        package_exists "$name" || missing+=("$name")
      done
      if [ ${#missing[@]} -gt 0 ]; then
        echo "ERROR: unable to select packages:" >&2
        for name in "${missing[@]}"; do
          echo "  $name (no such package):" >&2
          echo "    required by: world[$name]" >&2
        done
        return ${#missing[@]}
      fi
      local index=0 total=${#names[@]}
      for name in "${names[@]}"; do
        index=$((index + 1))
        installed "$name" && continue
        pause 500
        echo "($index/$total) Installing $name ($(version_of "$name" alpine))"
        package_add "$name" alpine
      done
      echo "OK: $((12 + total)) MiB in $(($(wc -l < "$STATE/packages"))) packages"
      ;;
    del)
      for name in "${names[@]}"; do
        installed "$name" && echo "(1/1) Purging $name ($(version_of "$name" alpine))" && package_remove "$name"
      done
      echo "OK: 12 MiB in $(($(wc -l < "$STATE/packages"))) packages"
      ;;
    info)
      if [ "${1:-}" = -e ]; then
        for name in "${names[@]}"; do installed "$name" && echo "$name" || return 1; done
      else
        awk '{ print $1 }' "$STATE/packages"
      fi ;;
    *) echo "apk-tools 2.14.9, compiled for x86_64." >&2; return 1 ;;
  esac
}

tool_dnf() {
  [ "$(os_family)" = rhel ] || not_found "$1"
  shift
  local verb= name args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -*) ;;
      *) if [ -z "$verb" ]; then verb=$1; else args+=("$1"); fi ;;
    esac
    shift
  done
  case "$verb" in
    makecache | check-update)
      pause 1200
      echo "Rocky Linux 9 - BaseOS                          2.1 MB/s | 2.4 MB     00:01"
      echo "Rocky Linux 9 - AppStream                       5.3 MB/s | 8.9 MB     00:01"
      echo "Metadata cache created."
      ;;
    install)
      echo "Last metadata expiration check: 0:00:12 ago."
      for name in "${args[@]}"; do
        if ! package_exists "$name"; then
          echo "No match for argument: $name" >&2
          echo "Error: Unable to find a match: $name" >&2
          return 1
        fi
      done
      echo "Dependencies resolved."
      echo "Installing:"
      for name in "${args[@]}"; do
        installed "$name" || printf ' %-20s x86_64  %-20s appstream  312 k\n' "$name" "$(version_of "$name" rhel)"
      done
      for name in "${args[@]}"; do
        installed "$name" && { echo "Package $name-$(version_of "$name" rhel).x86_64 is already installed."; continue; }
        pause 600
        echo "  Installing       : $name-$(version_of "$name" rhel).x86_64"
        package_add "$name" rhel
      done
      echo "Complete!"
      ;;
    remove | erase)
      for name in "${args[@]}"; do installed "$name" && package_remove "$name"; done
      echo "Complete!"
      ;;
    *) echo "No such command: $verb. Please use /usr/bin/dnf --help" >&2; return 1 ;;
  esac
}

tool_rpm() {
  [ "$(os_family)" = rhel ] || not_found rpm
  [ "${1:-}" = -q ] || { echo "rpm: only -q is modelled" >&2; return 1; }
  shift
  local name status=0
  for name in "$@"; do
    if installed "$name"; then echo "$name-$(version_of "$name" rhel).x86_64"; else echo "package $name is not installed"; status=1; fi
  done
  return "$status"
}

# pip needs python3-pip (py3-pip on Alpine); Debian 12 and Ubuntu 24.04 refuse to touch
# the system Python without --break-system-packages (PEP 668).
tool_pip() {
  local me=$1 family
  shift
  family=$(os_family)
  installed python3-pip || installed py3-pip || not_found "$me"
  [ "${1:-}" = install ] || { echo "ERROR: unknown command \"${1:-}\"" >&2; return 1; }
  shift
  local names=() name
  mapfile -t names < <(only_names "$@")
  if [ "$family" = debian ] && [[ " $* " != *" --break-system-packages "* ]]; then
    echo "error: externally-managed-environment" >&2
    echo "" >&2
    echo "× This environment is externally managed" >&2
    return 1
  fi
  for name in "${names[@]}"; do
    echo "Collecting $name"
    pause 400
    echo "  Downloading $name-1.0.2-py3-none-any.whl (96 kB)"
    mkdir -p "$STATE" && echo "$name 1.0.2" >> "$STATE/pip"
  done
  echo "Installing collected packages: ${names[*]}"
  echo "Successfully installed $(printf '%s-1.0.2 ' "${names[@]}" | sed 's/ $//')"
}

tool_npm() {
  installed npm || installed nodejs || not_found npm
  case "${1:-}" in
    install | i | ci)
      shift
      local names=()
      mapfile -t names < <(only_names "$@")
      pause 800
      mkdir -p "$STATE" && printf '%s\n' "${names[@]}" >> "$STATE/npm"
      echo ""
      echo "added $(( (${#names[@]} + 1) * 7 )) packages in 2s"
      ;;
    --version | -v) echo "9.2.0" ;;
    *) echo "Unknown command: \"${1:-}\"" >&2; return 1 ;;
  esac
}
