# Clients of modelled applications: psql (PostgreSQL), enough for provisioning scripts
# that set passwords and create roles and databases, with psql's own messages.

SOCKET=/var/run/postgresql/.s.PGSQL.5432

psql_refused() {
  echo "psql: error: connection to server on socket \"$SOCKET\" failed: $1" >&2
  exit 2
}

# The command tag PostgreSQL answers statement $1 with, or an error.
psql_statement() {
  local sql words
  sql=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]' | sed 's/^[[:space:]]*//')
  read -r -a words <<< "$sql"
  case "${words[0]:-} ${words[1]:-}" in
    "ALTER USER" | "ALTER ROLE") echo "ALTER ROLE" ;;
    "CREATE USER" | "CREATE ROLE") echo "CREATE ROLE" ;;
    "CREATE DATABASE") echo "CREATE DATABASE" ;;
    "DROP DATABASE") echo "DROP DATABASE" ;;
    "GRANT "*) echo "GRANT" ;;
    "SELECT 1"*) printf ' ?column? \n----------\n        1\n(1 row)\n\n' ;;
    " ") ;;
    *)
      echo "ERROR:  syntax error at or near \"${1%% *}\"" >&2
      echo "LINE 1: $1" >&2
      return 1
      ;;
  esac
}

tool_psql() {
  installed postgresql || installed postgresql-client || not_found psql
  service_load postgresql && [ "$ACTIVE" = active ] || psql_refused "No such file or directory
	Is the server running locally and accepting connections on that socket?"
  local user
  user=$(id -un)
  [ "$user" = postgres ] || psql_refused "FATAL:  role \"$user\" does not exist"
  local statements=() status=0
  while [ $# -gt 0 ]; do
    case "$1" in
      -c) statements+=("$2"); shift ;;
      --command=*) statements+=("${1#--command=}") ;;
      -d | -U | -h | -p | -v) shift ;;
    esac
    shift
  done
  if [ ${#statements[@]} -eq 0 ]; then
    local line
    while IFS= read -r line; do statements+=("${line%;}"); done
  fi
  local statement
  for statement in "${statements[@]}"; do
    psql_statement "${statement%;}" || status=1
  done
  return $status
}
