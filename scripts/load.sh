#!/usr/bin/env bash
# Load measurement of the release server on 127.0.0.1 (docs/PERFORMANCE.md): availability for one
# week of one resource with 50 bookings (req/s, latency percentiles), concurrent bookings of
# distinct slots, and the server's resident memory. Stops by itself.
#
#   bash scripts/load.sh sqlite            # a fresh SQLite file
#   bash scripts/load.sh postgres          # a fresh database on $BOOKING_TEST_POSTGRES_URL's server
#
# Environment: DURATION (seconds per run, default 10), CONNECTIONS (default 64), THREADS (wrk
# threads, default 1: the machine's other core serves).
set -euo pipefail
cd "$(dirname "$0")/.."

backend="${1:-sqlite}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18080}"

command -v wrk >/dev/null || { echo "load: installing wrk"; apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
cargo build --release --locked -p booking-server -p booking-cli >/dev/null 2>&1
target="${CARGO_TARGET_DIR:-target}/release"
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${pg_db:-}" ] && psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

case "$backend" in
  sqlite) export BOOKING_DATABASE_URL="$work/load.db" ;;
  postgres)
    pg_admin="${BOOKING_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    pg_db="booking_load_$$"
    psql -q "$pg_admin" -c "CREATE DATABASE $pg_db" >/dev/null
    export BOOKING_DATABASE_URL="${pg_admin%/*}/$pg_db" ;;
  *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac

key=$("$target/booking" create-business --name "Load" --zone Europe/Paris | sed -n 's/.*shown once): //p')
BOOKING_LISTEN="127.0.0.1:$PORT" BOOKING_LOG=warn BOOKING_MAIL_URL="file:$work/mail" "$target/booking-server" >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$PORT/api/v1/businesses/1"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

api() { curl -sf -X "$1" "$base$2" -H "Authorization: Bearer $key" -H 'content-type: application/json' ${3:+-d "$3"}; }
week='{"monday":[["09:00","18:00"]],"tuesday":[["09:00","18:00"]],"wednesday":[["09:00","18:00"]],"thursday":[["09:00","18:00"]],"friday":[["09:00","18:00"]]}'
api POST /resources "{\"kind\":\"desk\",\"name\":\"Guichet\",\"hours\":{\"weekly\":$week}}" >/dev/null
api POST /services '{"name":"Passeport","slug":"passeport","duration_minutes":30}' >/dev/null
api POST /agendas '{"name":"Accueil","slug":"accueil","resources":[1],"services":[1]}' >/dev/null
# A Monday three weeks ahead, and 50 bookings in its week (10 a day).
monday=$(python3 -c 'import datetime as d; t=d.date.today()+d.timedelta(days=21); print(t-d.timedelta(days=t.weekday()))')
for day in 0 1 2 3 4; do
  date=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$monday')+d.timedelta(days=$day))")
  for hour in 09 10 11 12 13 14 15 16 17 17; do
    minute=00; [ "$hour" = 17 ] && [ -n "${seen17:-}" ] && minute=30; [ "$hour" = 17 ] && seen17=1
    api POST /bookings "{\"agenda_id\":1,\"service_id\":1,\"start\":\"${date}T$hour:$minute:00+01:00\"}" >/dev/null || true
  done
  unset seen17
done
booked=$(api GET "/bookings?from=$monday&to=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$monday')+d.timedelta(days=7))")" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
sunday=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$monday')+d.timedelta(days=7))")
url="$base/availability?agenda_id=1&service_id=1&from=$monday&to=$sunday"
slots=$(curl -sf "$url" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["slots"]))')
echo "== $backend: availability of one week, one desk, $booked bookings ($slots free slots per answer)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" | grep -E "Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx"
echo "   server RSS after availability: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$server_pid/status)"

# Concurrent bookings: each request books the next free 5-minute slot of its own desk-day.
api POST /services '{"name":"Court","slug":"court","duration_minutes":5,"step_minutes":5}' >/dev/null
for n in $(seq 2 9); do
  api POST /resources "{\"kind\":\"desk\",\"name\":\"G$n\",\"hours\":{\"weekly\":{\"monday\":[[\"00:00\",\"24:00\"]],\"tuesday\":[[\"00:00\",\"24:00\"]],\"wednesday\":[[\"00:00\",\"24:00\"]],\"thursday\":[[\"00:00\",\"24:00\"]],\"friday\":[[\"00:00\",\"24:00\"]],\"saturday\":[[\"00:00\",\"24:00\"]],\"sunday\":[[\"00:00\",\"24:00\"]]}}}" >/dev/null
done
api POST /agendas '{"name":"Charge","slug":"charge","resources":[2,3,4,5,6,7,8,9],"services":[2]}' >/dev/null
start_epoch=$(python3 -c "import datetime as d; print(int(d.datetime.fromisoformat('${monday}T00:00:00+00:00').timestamp()) + 60*86400)")
cat >"$work/book.lua" <<LUA
-- Every request books its own slot: 8 desks, then the next 5 minutes; threads interleave.
local threads = 0
setup = function(thread) thread:set("id", threads); threads = threads + 1 end
counter = 0
request = function()
  local desk = 2 + counter % 8
  local t = $start_epoch + (math.floor(counter / 8) * 8 + id) * 300
  counter = counter + 1
  local body = string.format('{"agenda_id":2,"service_id":2,"resource_id":%d,"start":"%s"}', desk, os.date("!%Y-%m-%dT%H:%M:%SZ", t))
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
LUA
echo "== $backend: concurrent bookings of distinct slots"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$work/book.lua" "$base/bookings" | grep -E "Requests/sec|Latency|50%|90%|99%|requests in|Non-2xx"
echo "   server RSS after bookings: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$server_pid/status)"
