#!/usr/bin/env bash
# Starts the built server the way `npm start` does (embedded PostgreSQL, fresh data folder), checks
# that it serves (and that `npm run demo` works against it), then sends SIGTERM and expects a clean exit with the database stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

port=$(node scripts/free-port.mjs)
db_port=$(node scripts/free-port.mjs)
data_dir=".data/smoke-$$"
log=$(mktemp)
trap 'rm -rf "$data_dir" "$log" "${socket_log:-}"' EXIT

PORT=$port EMBEDDED_DATABASE_PORT=$db_port EMBEDDED_DATABASE_DIR=$data_dir node dist/src/main.js >"$log" 2>&1 &
server=$!

for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; echo "server exited during start"; exit 1; }
  sleep 1
done
curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$log"; echo "server never became ready"; exit 1; }
grep -q "^  Docs  *http://localhost:$port/docs " "$log" || { cat "$log"; echo "the start-up banner does not name the docs URL"; exit 1; }
if grep -q 'Mapped {\|successfully started' "$log"; then cat "$log"; echo "the route listing is logged at info"; exit 1; fi
curl -fs "http://127.0.0.1:$port/" | grep -q 'href="/docs"' || { echo "/ does not lead to /docs"; exit 1; }
curl -fs "http://127.0.0.1:$port/docs-json" | node -e 'JSON.parse(require("fs").readFileSync(0,"utf8")).openapi.startsWith("3.")||process.exit(1)'
token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/register" -H 'content-type: application/json' \
  -d '{"username":"smoke_user","password":"smoke-password"}' | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).accessToken)')

# The README's first suggestion after starting: the demo plays the sample scenario against this server.
API_URL="http://localhost:$port" npm run --silent demo || { cat "$log"; echo "npm run demo failed"; exit 1; }

# A live socket, to check that shutdown also closes sockets cleanly.
socket_log=$(mktemp)
node -e '
  const { io } = require("socket.io-client");
  const socket = io(process.argv[1], { auth: { token: process.argv[2] }, transports: ["websocket"], reconnection: false });
  socket.on("connect", () => console.log("connected"));
  socket.on("connect_error", (error) => { console.log("refused:", error.message); process.exit(1); });
  socket.on("disconnect", (reason) => { console.log("disconnected:", reason); process.exit(0); });
  setTimeout(() => process.exit(2), 30000);
' "http://127.0.0.1:$port" "$token" >"$socket_log" 2>&1 &
socket_client=$!
for _ in $(seq 1 50); do grep -q connected "$socket_log" && break; sleep 0.1; done
grep -q '^connected' "$socket_log" || { cat "$socket_log"; echo "the socket did not connect"; exit 1; }

kill -TERM "$server"
status=0
wait "$server" || status=$?
[ "$status" -eq 0 ] || { cat "$log"; echo "server exited with $status after SIGTERM"; exit 1; }
grep -qx 'Stopped' "$log" || { cat "$log"; echo "no clean shutdown in the log"; exit 1; }
wait "$socket_client" || true
grep -q '^disconnected' "$socket_log" || { cat "$socket_log"; echo "the socket was not closed on shutdown"; exit 1; }
if grep -q '"level":50\|^error:' "$log"; then cat "$log"; echo "errors were logged"; exit 1; fi
if grep -qi 'smoke-password\|eyJhbGci' "$log"; then echo "the log contains a password or token"; exit 1; fi
[ ! -f "$data_dir/postmaster.pid" ] || { echo "the embedded PostgreSQL is still running"; exit 1; }
echo "smoke test passed: started, served HTTP, the demo and a socket, stopped cleanly on SIGTERM"
