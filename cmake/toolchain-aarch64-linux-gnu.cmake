# Cross-compiling for 64-bit ARM Linux (aarch64) on a Debian amd64 host, with Debian's cross toolchain
# (crossbuild-essential-arm64) and the :arm64 development packages installed through multiarch
# (`dpkg --add-architecture arm64`). `scripts/cross arm64` installs both and builds with the
# `cross-arm64` preset, which names this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# The cross toolchain's own C library and libstdc++ live in its sysroot; the :arm64 packages (libcurl,
# OpenSSL, ...) live in the host's multiarch folders (/usr/lib/aarch64-linux-gnu, headers in /usr/include
# and /usr/include/aarch64-linux-gnu). CMake takes CMAKE_LIBRARY_ARCHITECTURE (aarch64-linux-gnu) from
# the compiler, so under either root it searches lib/aarch64-linux-gnu and never the amd64 folders.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # build tools (pkg-config, ccache, zstd) are the host's
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must read the arm64 .pc files only: the amd64 ones would hand out amd64 library paths.
# LIBDIR replaces the default search path; an inherited PKG_CONFIG_PATH would be searched first.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Test programs (and gtest_discover_tests, which lists each test program's cases at build time) run
# under qemu-user, called directly, so no binfmt_misc registration is needed. Its -L root is /, not
# the cross sysroot: libc6:arm64 and the other :arm64 runtime packages sit where an arm64 Debian
# system has them (/lib/ld-linux-aarch64.so.1, /usr/lib/aarch64-linux-gnu), so the programs run on one
# coherent set. With -L /usr/aarch64-linux-gnu, qemu found the cross package's loader there but
# libc.so.6 of libc6:arm64 (another build) in the multiarch folder: a loader and a libc that differ.
find_program(AWSFOTA_QEMU_AARCH64 qemu-aarch64-static)
if(AWSFOTA_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${AWSFOTA_QEMU_AARCH64} -L /)
endif()
