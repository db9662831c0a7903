#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UBSan (or ThreadSanitizer with SANITIZER=thread) in a scratch
# copy of the tree, so build/Release and the normal flags stay untouched, and runs compiled tests against
# it with the sanitizer runtime preloaded (node itself is not instrumented; leak detection is off because
# V8 keeps memory until exit).
#   scripts/sanitized-tests.sh [path-fragment ...]     default: unit/native fuzz/
#   SANITIZER=thread scripts/sanitized-tests.sh unit/native/helpers unit/native/dh
# Needs `npx tsc -p .` first (it copies dist/). Scratch tree: $SANITIZE_DIR (default /tmp/swanlet-<sanitizer>).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sanitizer="${SANITIZER:-address}"
work="${SANITIZE_DIR:-/tmp/swanlet-$sanitizer}"
case "$sanitizer" in
  address)
    flags="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
    runtime="$(gcc -print-file-name=libasan.so)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0,abort_on_error=1}"
    ;;
  thread)
    flags="-fsanitize=thread -g"
    runtime="$(gcc -print-file-name=libtsan.so)"
    # Reports inside node/V8 itself are noise (it is not instrumented); look for frames in native/.
    export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0 report_signal_unsafe=0}"
    ;;
  *) echo "SANITIZER must be address or thread" >&2; exit 2 ;;
esac
[ -d "$root/dist/test" ] || { echo "dist/test is missing: run npx tsc -p . first" >&2; exit 1; }

mkdir -p "$work"
rm -rf "$work/native" "$work/dist" "$work/scripts"
cp -r "$root/native" "$root/dist" "$root/scripts" "$root/binding.gyp" "$root/package.json" "$work/"
ln -sfn "$root/node_modules" "$work/node_modules"
# test/vectors and the corpus are read from the source tree by the compiled tests.
ln -sfn "$root/test" "$work/test"
(cd "$work" && CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="${flags%% -g}" npx node-gyp build -j 2 >/dev/null) ||
  (cd "$work" && CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="${flags%% -g}" npx node-gyp rebuild -j 2)
[ $# -gt 0 ] || set -- unit/native fuzz/
cd "$work" && LD_PRELOAD="$runtime" node scripts/run-tests.js "$@"
