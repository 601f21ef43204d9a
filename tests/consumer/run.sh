#!/usr/bin/env bash
# run.sh BUILD_DIR|--installed CONSUMER_SOURCE CXX
# Installs BUILD_DIR into a scratch prefix, then builds CONSUMER_SOURCE against it with
# find_package(awsfota) and with pkg-config, and runs both programs. --installed: against what is
# installed on the system (the libawsfota-dev package), with no prefix or search path given.
set -euo pipefail
build=$1 source=$2 cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
log=$work/log

step_tag=consumer step_log=$log
# shellcheck source=../support/step.sh
. "$(dirname "$0")/../support/step.sh"

prefix_path=()
if [[ $build != --installed ]]; then
  step "install" cmake --install "$build" --prefix "$prefix"
  prefix_path=(-DCMAKE_PREFIX_PATH="$prefix")
  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig
else
  unset CMAKE_PREFIX_PATH PKG_CONFIG_PATH
fi

# 1. CMake package
step "configure with find_package" cmake -S "$source" -B "$work/cmake-build" -G Ninja \
  "${prefix_path[@]}" -DCMAKE_CXX_COMPILER="$cxx"
step "build with find_package" cmake --build "$work/cmake-build"
out=$("$work/cmake-build/consumer")
echo "find_package consumer: $out ($(sed -n 's/^awsfota_DIR:PATH=//p' "$work/cmake-build/CMakeCache.txt"))"
[[ $out == "consumer ok: "* ]]

# 2. pkg-config
step "pkg-config" pkg-config --cflags --libs awsfota
# shellcheck disable=SC2046
step "build with pkg-config" "$cxx" -o "$work/consumer-pc" "$source/main.cpp" $(pkg-config --cflags --libs awsfota)
out=$("$work/consumer-pc")
echo "pkg-config consumer: $out ($(pkg-config --variable=pcfiledir awsfota))"
[[ $out == "consumer ok: "* ]]
