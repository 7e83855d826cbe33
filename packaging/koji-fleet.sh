#!/bin/sh
# /usr/bin/koji-fleet: the one bundle, run by the system's Node.js (>= 20).
exec /usr/bin/node --enable-source-maps /usr/lib/koji-fleet/koji-fleet.mjs "$@"
