#!/usr/bin/env bash
# run.sh BUILD_DIR CONSUMER_SOURCE CXX
set -euo pipefail
build=$1 source=$2 cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null

# 1. CMake package
cmake -S "$source" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
out=$("$work/cmake-build/consumer")
echo "find_package consumer: $out"
[[ $out == "consumer ok: "* ]]

# 2. pkg-config
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig
# shellcheck disable=SC2046
"$cxx" -o "$work/consumer-pc" "$source/main.cpp" $(pkg-config --cflags --libs --static awsfota)
out=$("$work/consumer-pc")
echo "pkg-config consumer: $out"
[[ $out == "consumer ok: "* ]]
