#!/bin/sh
# Turns on unattended security upgrades
set -eu
systemctl enable --now unattended-upgrades
