#!/bin/sh
# Gives the postgres role a generated password and saves it for discovery
set -eu
systemctl enable --now postgresql
PASSWORD=$(tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 24)
su postgres -c "psql -c \"ALTER USER postgres PASSWORD '$PASSWORD';\""
save_credential postgresql username postgres
save_credential postgresql password "$PASSWORD"
save_credential postgresql port 5432
echo "The postgres role has a new password (saved as a credential)."
