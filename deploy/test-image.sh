#!/usr/bin/env bash
# Builds the container image with buildah and smoke-tests it: the image's configuration
# (non-root user, volume, healthcheck, explicit 0.0.0.0 bind), Node satisfying `engines`,
# /healthz and /readyz, an admin token made inside the image, and one gateway call through a
# credential to a fake upstream on loopback. Nothing leaves this machine.
#
#   sudo deploy/test-image.sh
#
# Base image: LATCHKEY_BASE_IMAGE (e.g. docker.io/library/node:20-bookworm-slim where a registry
# is reachable). Without it, a base is built here from Debian packages (debootstrap
# --variant=minbase bookworm) with this machine's own Node 20 copied in at /usr/local, laid out
# like the official image, so the same Containerfile builds on both.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[test-image] %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (buildah with the vfs driver and chroot isolation)"
command -v buildah >/dev/null || fail "buildah is not installed (apt-get install buildah)"
B=(buildah --storage-driver vfs)
work=$(mktemp -d /tmp/latchkey-image.XXXXXX)
ctr=""
server_pid=""
fake_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
  [ -n "$ctr" ] && "${B[@]}" rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# ---- base image ----
base="${LATCHKEY_BASE_IMAGE:-}"
if [ -z "$base" ]; then
  base=localhost/latchkey-base:node20
  if ! "${B[@]}" inspect --type image "$base" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"
    rootfs_cache=${LATCHKEY_BASE_ROOTFS:-/var/cache/latchkey-base/rootfs}
    if [ ! -x "$rootfs_cache/bin/bash" ]; then
      say "debootstrap --variant=minbase bookworm → $rootfs_cache"
      mkdir -p "$(dirname "$rootfs_cache")"
      debootstrap --variant=minbase bookworm "$rootfs_cache" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
        { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
    fi
    node_bin=$(readlink -f "$(command -v node)")
    node_prefix=$(dirname "$(dirname "$node_bin")")
    npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
    [ -d "$node_prefix/include/node" ] || fail "no Node headers next to $node_bin (needed to build better-sqlite3)"
    say "base image from $rootfs_cache + Node $(node -v) ($node_bin) at /usr/local"
    c=$("${B[@]}" from scratch)
    mnt=$("${B[@]}" mount "$c")
    cp -a "$rootfs_cache/." "$mnt/"
    mkdir -p "$mnt/usr/local/bin" "$mnt/usr/local/include" "$mnt/usr/local/lib/node_modules"
    cp "$node_bin" "$mnt/usr/local/bin/node"
    cp -a "$node_prefix/include/node" "$mnt/usr/local/include/node"
    cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
    # The registry and certificate authorities this machine is configured for (a local
    # TLS-inspecting proxy, for instance), for npm inside the build.
    mkdir -p "$mnt/usr/local/etc" "$mnt/etc/ssl/certs"
    printf 'registry=%s\n' "$(npm config get registry)" >"$mnt/usr/local/etc/npmrc"
    cafile=$(npm config get cafile)
    [ "$cafile" = "null" ] || [ "$cafile" = "undefined" ] && cafile=""
    cafile=${cafile:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}
    if [ -f "$cafile" ]; then
      cp "$cafile" "$mnt/etc/ssl/certs/ca-certificates.crt"
      printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >>"$mnt/usr/local/etc/npmrc"
    fi
    cp /etc/resolv.conf "$mnt/etc/resolv.conf" 2>/dev/null || true
    "${B[@]}" umount "$c" >/dev/null
    "${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$c"
    "${B[@]}" commit --quiet "$c" "$base" >/dev/null
    "${B[@]}" rm "$c" >/dev/null
  fi
fi

# ---- build ----
# LATCHKEY_IMAGE_REUSE=1 smoke-tests an image an earlier run built (while fixing the checks).
if [ "${LATCHKEY_IMAGE_REUSE:-}" = 1 ] && "${B[@]}" inspect --type image localhost/latchkey:test >/dev/null 2>&1; then
  say "reusing the image built earlier (LATCHKEY_IMAGE_REUSE=1)"
else
  say "building the image on $base"
  t0=$(date +%s)
  "${B[@]}" build --isolation chroot --format docker --layers=false \
    --build-arg "NODE_IMAGE=$base" -f Containerfile -t localhost/latchkey:test . >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log"; fail "image build"; }
  say "built in $(( $(date +%s) - t0 )) s"
fi

# ---- configuration ----
# The whole inspect document (buildah 1.28, Debian bookworm's, has no `json` template function).
cfg=$("${B[@]}" inspect --type image localhost/latchkey:test)
node -e '
  const c = JSON.parse(process.argv[1]).Docker.config;
  const env = Object.fromEntries((c.Env || []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  const problems = [];
  if (!c.User || /^(0|root)(:|$)/.test(c.User)) problems.push(`runs as ${c.User || "root"}`);
  if (!c.Volumes || !("/var/lib/latchkey" in c.Volumes)) problems.push("no volume at /var/lib/latchkey");
  if (env.LATCHKEY_HOME !== "/var/lib/latchkey") problems.push("LATCHKEY_HOME is not the volume");
  if (env.LATCHKEY_HOST !== "0.0.0.0") problems.push("LATCHKEY_HOST is not set explicitly to 0.0.0.0");
  if (!c.Healthcheck || !(c.Healthcheck.Test || []).join(" ").includes("/healthz")) problems.push("no healthcheck on /healthz");
  if (problems.length) { console.error(problems.join("; ")); process.exit(1) }
  console.log(`[test-image] config ok: user ${c.User}, volume, healthcheck, LATCHKEY_HOST=0.0.0.0 set explicitly`);
' "$cfg" || fail "image configuration"

ctr=$("${B[@]}" from localhost/latchkey:test)
data="$work/data"
mkdir -p "$data"
chown 10001:10001 "$data"
chmod 0700 "$data"
run_in() { "${B[@]}" run --isolation chroot --network host --user 10001:10001 -v "$data:/var/lib/latchkey" "$@"; }

image_node=$(run_in "$ctr" -- node -v)
engines=$(node -p 'require("./package.json").engines.node')
node -e '
  const [v, range] = process.argv.slice(1);
  const min = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const got = /^v(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!min || !got) { console.error(`cannot compare ${v} with ${range}`); process.exit(1) }
  const cmp = [1, 2, 3].map((i) => Number(got[i]) - Number(min[i])).find((d) => d !== 0) ?? 0;
  if (cmp < 0 || Number(got[1]) !== 20) { console.error(`image Node ${v} does not satisfy ${range} (Node 20 line)`); process.exit(1) }
  console.log(`[test-image] image Node ${v} satisfies engines ${range}`);
' "$image_node" "$engines" || fail "Node version"

# ---- run: a fake upstream on loopback, the server in the image ----
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
fake_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
node -e '
  require("http").createServer((req, res) => {
    let b = ""; req.on("data", (c) => (b += c)); req.on("end", () => {
      if (req.headers.authorization !== "Bearer sk-image-smoke-0123456789") { res.writeHead(401); return res.end("{}") }
      const body = JSON.parse(b || "{}");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "chatcmpl-smoke", object: "chat.completion", created: 1, model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content: "hello from the fake" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }));
    });
  }).listen(Number(process.argv[1]), "127.0.0.1");
' "$fake_port" &
fake_pid=$!

key=$(head -c 32 /dev/urandom | base64)
# Loopback for the smoke run (host network): the image default 0.0.0.0 was checked above.
run_in --env LATCHKEY_HOST=127.0.0.1 --env "LATCHKEY_PORT=$port" --env "LATCHKEY_MASTER_KEY=$key" \
  "$ctr" -- node bin/latchkey.js serve >"$work/server.log" 2>&1 &
server_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$url/healthz" | grep -q '"ok":true' || { tail -30 "$work/server.log"; fail "/healthz"; }
curl -fsS "$url/readyz" | grep -q '"ok":true' || fail "/readyz"
say "/healthz and /readyz answer"

token=$(run_in --env "LATCHKEY_MASTER_KEY=$key" "$ctr" -- node bin/latchkey.js admin token --name image-smoke)
case "$token" in lk_*) ;; *) fail "admin token inside the image" ;; esac
auth=(-H "authorization: Bearer $token" -H 'content-type: application/json')
curl -fsS "${auth[@]}" -d "{\"name\":\"fake\",\"provider\":\"openai\",\"apiKey\":\"sk-image-smoke-0123456789\",\"baseUrl\":\"http://127.0.0.1:$fake_port/v1\"}" \
  "$url/api/v1/credentials" >/dev/null || fail "create credential"
answer=$(curl -sS "${auth[@]}" -d '{"model":"fake/smoke-model","messages":[{"role":"user","content":"hi"}]}' "$url/v1/chat/completions")
echo "$answer" | grep -q 'hello from the fake' || { echo "$answer"; fail "gateway call"; }
say "gateway call through the image answered: $(echo "$answer" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).choices[0].message.content))')"

if grep -q "sk-image-smoke-0123456789\|$token" "$work/server.log"; then fail "a secret reached the server log"; fi
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""
[ -f "$data/latchkey.db" ] || fail "no database in the volume"
say "image smoke test: 1 passed, 0 failed"
