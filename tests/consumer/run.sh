#!/usr/bin/env bash
# run.sh BUILD_DIR CONSUMER_SOURCE CXX
# Installs BUILD_DIR into a scratch prefix, then builds CONSUMER_SOURCE against it with
# find_package(awsfota) and with pkg-config, and runs both programs.
set -euo pipefail
build=$1 source=$2 cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
log=$work/log

step() {  # step DESCRIPTION COMMAND...: quiet on success, the whole output on failure
  local what=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "consumer: $what failed:"
    cat "$log"
    exit 1
  fi
}

step "install" cmake --install "$build" --prefix "$prefix"

# 1. CMake package
step "configure with find_package" cmake -S "$source" -B "$work/cmake-build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx"
step "build with find_package" cmake --build "$work/cmake-build"
out=$("$work/cmake-build/consumer")
echo "find_package consumer: $out"
[[ $out == "consumer ok: "* ]]

# 2. pkg-config
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig
step "pkg-config" pkg-config --cflags --libs awsfota
# shellcheck disable=SC2046
step "build with pkg-config" "$cxx" -o "$work/consumer-pc" "$source/main.cpp" $(pkg-config --cflags --libs awsfota)
out=$("$work/consumer-pc")
echo "pkg-config consumer: $out"
[[ $out == "consumer ok: "* ]]
