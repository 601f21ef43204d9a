#!/usr/bin/env bash
# run.sh BUILD_DIR CC [EXTRA_FLAGS...]
# The C API end to end: installs BUILD_DIR's library (component dev) into a scratch prefix, compiles
# fota_app.c as C11 against it with CC and pkg-config (awsfota-c, libmosquitto), brings up a local
# stack of its own (Mosquitto with TLS, nginx, awsfota-jobsd from BUILD_DIR/bin), makes and publishes a
# signed v1.0.1 image with the awsfota CLI, creates a job for it, and runs the C program, which takes
# the job through the C API, "reboots" and confirms. Then checks what the service and the disk say.
# EXTRA_FLAGS go to the compile and the link (the sanitizer build's -fsanitize=...).
set -euo pipefail
build=$(cd "$1" && pwd) cc=$2
shift 2
extra=("$@")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$build/bin
work=$(mktemp -d)
name=capi-$$
thing=capi-device
job=capi-job-1
export AWSFOTA_STACK_DIR=$work/stack AWSFOTA_JOBSD=$bin/awsfota-jobsd

cleanup() {
  local rc=$?
  "$root/scripts/stack" down --name "$name" >/dev/null 2>&1 || true
  if ((rc != 0)); then
    echo "capi: failed; the stack's logs:"
    tail -n 20 "$work"/stack/logs/*.log 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

step_tag=capi step_log=$work/step.log
# shellcheck source=../support/step.sh
. "$here/../support/step.sh"

# 1. The installed package, and a C11 program built against it with pkg-config only.
step "install (component dev)" cmake --install "$build" --prefix "$work/prefix" --component dev
[[ -f $work/prefix/include/awsfota/aws_fota.h ]] || { echo "capi: aws_fota.h is not installed"; exit 1; }
export PKG_CONFIG_PATH=$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig
flags=$(pkg-config --cflags --libs awsfota-c libmosquitto)
echo "capi: $cc -std=c11 -Wall -Wextra -Werror ${extra[*]} ... $flags"
# shellcheck disable=SC2086
step "compile fota_app.c as C11" "$cc" -std=c11 -Wall -Wextra -Werror -pedantic "${extra[@]}" \
  -o "$work/fota_app" "$here/fota_app.c" $flags

# 2. The stack, on free ports, and the thing's certificate.
read -r mqtt_port https_port http_port api_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')
step "stack up" "$root/scripts/stack" up --name "$name" --mqtt-port "$mqtt_port" --https-port "$https_port" \
  --http-port "$http_port" --api-port "$api_port"
step "add-thing" "$root/scripts/stack" add-thing "$thing" --name "$name"
# The stack's key pair, which the Jobs service checks the CLI's signatures against.
eval "$("$root/scripts/stack" env --name "$name" | grep -E '^(export )?AWS_')"
pki=$work/stack/pki

# 3. Images: v1.0.0 in slot A (the factory's), v1.0.1 published and offered as a job.
images=$work/images state=$work/state
mkdir -p "$images" "$state"
step "key generate" "$bin/awsfota" key generate -o "$images/signing.pem" --pub "$images/signing.pub.pem"
for v in 1.0.0 1.0.1; do
  head -c 524288 /dev/urandom >"$images/app-$v.payload"
  step "image create $v" "$bin/awsfota" image create --payload "$images/app-$v.payload" --version "$v" \
    --key "$images/signing.pem" -o "$images/app-v$v.bin"
done
cp "$images/app-v1.0.0.bin" "$state/slot-a.img"
url=https://127.0.0.1:$https_port/app-v1.0.1.bin
step "publish" "$bin/awsfota" publish "$images/app-v1.0.1.bin" --to "$url" --ca "$pki/ca.pem"
step "job create" "$bin/awsfota" job create "$job" --thing "$thing" --image "$images/app-v1.0.1.bin" --url "$url" \
  --endpoint-url "http://127.0.0.1:$api_port"

# 4. The application in C.
if ! timeout 300 "$work/fota_app" 127.0.0.1 "$mqtt_port" "$pki/ca.pem" "$pki/things/$thing.pem" \
  "$pki/things/$thing.key" "$thing" "$state" "$images/signing.pub.pem" "$job" v1.0.0 v1.0.1 >"$work/app.log" 2>&1; then
  echo "capi: fota_app failed:"
  cat "$work/app.log"
  exit 1
fi
grep -E '^(download|own messages|fota_app ok)' "$work/app.log" | sed 's/^/capi: /'

# 5. What the service and the disk say.
status=$(curl -sS --aws-sigv4 "aws:amz:$AWS_DEFAULT_REGION:iot" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  "http://127.0.0.1:$api_port/things/$thing/jobs/$job" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["execution"]["status"])')
echo "capi: the service says job $job is $status"
[[ $status == SUCCEEDED ]] || { cat "$work/app.log"; exit 1; }
grep -qx 'confirmed=B' "$state/boot.state" || { echo "capi: boot.state does not confirm slot B:"; cat "$state/boot.state"; exit 1; }
size=$(stat -c %s "$images/app-v1.0.1.bin")
cmp -n "$size" "$images/app-v1.0.1.bin" "$state/slot-b.img" || { echo "capi: slot B does not hold v1.0.1"; exit 1; }
[[ ! -e $state/checkpoint ]] || { echo "capi: the checkpoint outlived the job"; exit 1; }
echo "capi: slot B holds v1.0.1 and is confirmed; no checkpoint left"
