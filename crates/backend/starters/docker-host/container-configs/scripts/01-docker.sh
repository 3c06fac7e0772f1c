#!/bin/sh
# Starts Docker at boot and checks that the daemon answers
set -eu
systemctl enable --now docker
echo "Docker $(docker info --format '{{.ServerVersion}}') is running."
