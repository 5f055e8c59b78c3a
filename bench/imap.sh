#!/usr/bin/env bash
# IMAP read benchmark: starts mailwarden with a benchmark configuration (durable SQLite store,
# logging at info to a file, LOGIN without TLS allowed on loopback only) on 127.0.0.1:1643,
# creates bench@bench.test, and runs ../shared/bench/imap_bench.py with mailwarden as a target
# next to a private Dovecot (same 10,000 messages, APPENDed into mailwarden first).
# Usage: bench/imap.sh [imap_bench.py options...]   (as root; run ../shared/bench/setup.sh first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$root/../shared/bench}
work=${BENCH_MW:-/tmp/mailwarden-imap-bench}
rm -rf "$work" && mkdir -p "$work"
cat > "$work/mailwarden.toml" <<TOML
hostname = "mx.bench.test"
data_dir = "$work/data"
[listen]
mx = []
submission = []
submissions = []
pop3 = []
pop3s = []
imap = ["127.0.0.1:1643"]
imaps = []
https = []
[auth]
plaintext = "loopback"
[log]
level = "info"
TOML
mw() { "$root/bin/mailwarden" --config "$work/mailwarden.toml" "$@"; }
mw domain add bench.test >/dev/null
echo 'benchpass' | mw user add bench@bench.test --password-stdin >/dev/null
"$root/node_modules/.bin/node" "$root/src/cli/main.ts" --config "$work/mailwarden.toml" serve > "$work/mailwarden.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/1643) 2>/dev/null && break; sleep 0.2; done
python3 "$bench/imap_bench.py" --target "mailwarden=bench@bench.test:benchpass@127.0.0.1:1643" --target-pid "mailwarden=$pid" --populate-target "$@"
echo "mailwarden log: $work/mailwarden.log"
