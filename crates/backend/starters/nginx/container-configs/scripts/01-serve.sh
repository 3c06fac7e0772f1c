#!/bin/sh
# Serves /var/www/html and starts nginx at boot (systemd on Debian, OpenRC on Alpine)
set -eu
. /etc/os-release
case "$ID" in
  alpine)
    mkdir -p /etc/nginx/http.d
    cat > /etc/nginx/http.d/default.conf <<'CONF'
server {
    listen 80 default_server;
    listen [::]:80 default_server;
    root /var/www/html;
    index index.html;
}
CONF
    rc-update add nginx default
    rc-service nginx start
    ;;
  *)
    systemctl enable --now nginx
    ;;
esac
echo "nginx serves http://$CORRAL_IP/"
