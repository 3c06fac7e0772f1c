#!/bin/sh
# Adds the admin user: sudo without a password, root's SSH keys, no password login
set -eu
if ! id admin >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --groups sudo admin
fi
if [ -s /root/.ssh/authorized_keys ]; then
  install -d -m 700 -o admin -g admin /home/admin/.ssh
  install -m 600 -o admin -g admin /root/.ssh/authorized_keys /home/admin/.ssh/authorized_keys
fi
echo "admin ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/90-admin
chmod 440 /etc/sudoers.d/90-admin
echo "User admin is ready."
