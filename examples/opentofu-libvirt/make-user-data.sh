#!/bin/bash
# Writes user-data/HOST.yaml for every host of hosts.auto.tfvars.json (or for the HOSTs given)
# with `koji-fleet cloud-init`, which main.tf puts on each VM's cloud-init seed.
#
#   sudo ./make-user-data.sh [HOST…]
#
# Run it on the controller host, as root (cloud-init reads the CA and the enrollment key and
# stores each new token's hash in the controller's state), with the controller running: it
# refuses a host the running fleet does not know. Each file holds the enrollment key and a
# one-time token valid 24 h, so it is written 0600, and handed to $SUDO_USER (who runs tofu).
#
# Environment (the defaults suit a controller on the libvirt host itself, 192.168.122.1):
#   NATS          the agents' NATS URL                    tls://192.168.122.1:4222
#   REPO          the dnf repository with the agent RPM   http://192.168.122.1/koji-fleet/el10/
#   GPG_KEY       the RPM signing key's URL (gpgcheck on) unset: gpgcheck off
#   SSH_KEY_FILE  a public key to log in as cloud-user    unset: no login but the console
set -euo pipefail
cd "$(dirname "$0")"

nats=${NATS:-tls://192.168.122.1:4222}
repo=${REPO:-http://192.168.122.1/koji-fleet/el10/}
if [ $# -gt 0 ]; then
  hosts=("$@")
else
  # The same host table tofu reads, so the two cannot disagree.
  mapfile -t hosts < <(node -e 'for (const h of Object.keys(JSON.parse(require("fs").readFileSync("hosts.auto.tfvars.json", "utf8")).hosts)) console.log(h)')
fi

ssh_key=""
if [ -n "${SSH_KEY_FILE:-}" ]; then ssh_key=$(cat "$SSH_KEY_FILE"); fi

umask 077
mkdir -p user-data
if [ -n "${SUDO_USER:-}" ]; then chown "$SUDO_USER" user-data; fi
for host in "${hosts[@]}"; do
  out="user-data/$host.yaml"
  # A temporary file first: a failed run must not leave a half file that tofu would use.
  koji-fleet cloud-init "$host" --nats "$nats" --repo "$repo" ${GPG_KEY:+--gpg-key "$GPG_KEY"} > "$out.tmp"
  if [ -n "$ssh_key" ]; then printf 'ssh_authorized_keys:\n  - %s\n' "$ssh_key" >> "$out.tmp"; fi
  mv "$out.tmp" "$out"
  if [ -n "${SUDO_USER:-}" ]; then chown "$SUDO_USER" "$out"; fi
  echo "$out"
done
