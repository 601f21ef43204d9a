#!/usr/bin/env bash
# run.sh BUILD_DIR SOURCE_DIR CXX: the Debian packages, for real. Builds them from BUILD_DIR
# (scripts/package --build-dir), checks their contents, dependencies and lintian's verdict, installs
# them on this machine (dpkg -i), checks the installed config, units, programs and library (the
# consumer program built against it), purges them and checks that nothing is left.
# Needs root (skipped with exit 77 otherwise); refuses to run beside an awsfota install it did not make.
set -uo pipefail
build=$1 source=$2 cxx=$3
packages=(awsfota-agent awsfota awsfota-jobsd libawsfota-dev)
start=$(date +%s)

say() { echo "package test: $*"; }
fail() { echo "package test: FAILED: $*"; exit 1; }

if ((EUID != 0)); then
  say "skipped: it installs the packages with dpkg -i, which needs root (CI runs as root)"
  exit 77
fi
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || continue
  [[ $status == not-installed ]] && continue
  fail "$p is already on this machine (dpkg: $status); this test installs and purges its own build and will not touch that one: dpkg --purge ${packages[*]} first"
done

work=$(mktemp -d)
installed=()
cleanup() {
  if ((${#installed[@]})); then
    say "purging ${installed[*]}"
    dpkg --purge "${installed[@]}" >"$work/cleanup.log" 2>&1 || cat "$work/cleanup.log"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# dpkg takes one lock for the whole machine; scripts/setup elsewhere may hold it for a while.
run_dpkg() {
  local try
  for try in $(seq 1 60); do
    dpkg "$@" >"$work/dpkg.log" 2>&1 && return 0
    grep -q "lock" "$work/dpkg.log" || break
    ((try == 1)) && say "dpkg is locked by another process; waiting up to 2 minutes"
    sleep 2
  done
  cat "$work/dpkg.log"
  return 1
}

# Everything named awsfota on the system, to compare with what is left after the purge.
snapshot() { find /etc /usr /var/lib /lib/systemd/system/ -name '*awsfota*' 2>/dev/null | sort -u; }
snapshot >"$work/before"

# --- build --------------------------------------------------------------------------------------------

"$source/scripts/package" --build-dir "$build" --out "$work/debs" >"$work/package.log" 2>&1 \
  || { cat "$work/package.log"; fail "scripts/package could not build the packages"; }
declare -A deb
for f in "$work"/debs/*.deb; do
  deb[$(dpkg-deb -f "$f" Package)]=$f
done
for p in "${packages[@]}"; do
  [[ -n ${deb[$p]:-} ]] || fail "scripts/package made no $p package (made: ${!deb[*]})"
done
say "built $(cd "$work/debs" && echo *.deb) in $(($(date +%s) - start)) s"

# Files that must not go unpackaged: every install rule names its package (component).
cmake --install "$build" --prefix "$work/unassigned" --component Unspecified >/dev/null
[[ ! -d $work/unassigned ]] || fail "install rules without a COMPONENT (in no package): $(cd "$work/unassigned" && find . -type f)"

# --- contents -----------------------------------------------------------------------------------------

libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
declare -A expect=(
  [awsfota-agent]="/usr/bin/awsfota-agent /usr/bin/awsfota-boot /lib/systemd/system/awsfota-agent.service
                   /etc/awsfota/agent.json /usr/share/man/man1/awsfota-agent.1.gz /usr/share/man/man1/awsfota-boot.1.gz"
  [awsfota]="/usr/bin/awsfota /usr/share/man/man1/awsfota.1.gz"
  [awsfota-jobsd]="/usr/bin/awsfota-jobsd /lib/systemd/system/awsfota-jobsd.service /etc/awsfota/jobsd.env
                   /usr/share/man/man1/awsfota-jobsd.1.gz /usr/share/awsfota-jobsd/web/index.html
                   /usr/share/awsfota-jobsd/web/fleet.js /usr/share/awsfota-jobsd/web/fleet.css"
  [libawsfota-dev]="/usr/include/awsfota/runtime/device.hpp /usr/$libdir/libawsfota_jobs.a /usr/$libdir/libawsfota_runtime.a
                    /usr/$libdir/cmake/awsfota/awsfotaConfig.cmake /usr/$libdir/cmake/awsfota/awsfotaTargets.cmake
                    /usr/$libdir/pkgconfig/awsfota.pc"
)
version=$(dpkg-parsechangelog -l "$source/packaging/debian/changelog" -S Version)
host=$(dpkg --print-architecture)
for p in "${packages[@]}"; do
  f=${deb[$p]}
  [[ $(dpkg-deb -f "$f" Version) == "$version" ]] || fail "$p has version $(dpkg-deb -f "$f" Version), not $version"
  [[ $(dpkg-deb -f "$f" Architecture) == "$host" ]] || fail "$p is for $(dpkg-deb -f "$f" Architecture), not $host"
  dpkg-deb -c "$f" >"$work/$p.contents"
  not_root=$(awk '$2 != "root/root"' "$work/$p.contents")
  [[ -z $not_root ]] || fail "$p holds files not owned by root:root: $not_root"
  files=$(awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' "$work/$p.contents")
  # A file that is already there (a `cmake --install --prefix /usr`, say) would be overwritten by
  # dpkg -i and deleted by the purge: not this test's to touch.
  for path in $files; do
    [[ ! -e $path && ! -L $path ]] || fail "$path is already on this machine, from outside these packages; remove it first"
  done
  for want in ${expect[$p]} /usr/share/doc/$p/copyright /usr/share/doc/$p/changelog.Debian.gz; do
    grep -qxF "$want" <<<"$files" || fail "$p lacks $want"
  done
  # Every file under /etc is a conffile: dpkg keeps the administrator's changes over an upgrade.
  dpkg-deb -I "$f" conffiles >"$work/$p.conffiles" 2>/dev/null || true
  for etc in $(grep '^/etc/' <<<"$files"); do
    grep -qxF "$etc" "$work/$p.conffiles" || fail "$p: $etc is not marked as a conffile"
  done
  dpkg-deb -x "$f" "$work/root"
done
for program in "$work"/root/usr/bin/*; do
  file -b "$program" | grep -q ', stripped' || fail "$(basename "$program") is not stripped: $(file -b "$program")"
done
for lib in "$work/root/usr/$libdir"/libawsfota_*.a; do
  ! objdump -h "$lib" | grep -q '\.debug_' || fail "$(basename "$lib") still has debug sections"
done
say "contents ok (files, root:root, conffiles, stripped programs and libraries)"

# --- dependencies -------------------------------------------------------------------------------------

names() { tr ',|' '\n\n' | sed 's/(.*)//; s/ //g' | grep -v '^$' | sort -u; }
# The programs: dpkg-shlibdeps' answer here must be the list a cross build states for itself.
while IFS=: read -r p stated; do
  found=$(dpkg-deb -f "${deb[$p]}" Depends)
  [[ $found == "${stated# }" ]] \
    || fail "$p: dpkg-shlibdeps says Depends: $found; packaging/CMakeLists.txt states for cross builds:$stated. Update the stated list."
done <"$build/packaging/foreign-depends.txt"
# The library: each package that holds something its CMake config or its .pc file needs.
dev_depends=$(dpkg-deb -f "${deb[libawsfota-dev]}" Depends | names)
cmake_dir=$work/root/usr/$libdir/cmake/awsfota
needed=()
for dep in $(sed -n 's/^find_dependency(\([A-Za-z0-9_]*\).*/\1/p' "$cmake_dir/awsfotaConfig.cmake"); do
  needed+=("$dep: $(dpkg -S "*/${dep}Config.cmake" 2>/dev/null | head -1)")
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for lib in $(grep -ho 'LINK_ONLY:[^>]*' "$cmake_dir"/awsfotaTargets*.cmake | cut -d: -f2- | grep -v '::' | sort -u); do
  [[ $lib == /* ]] || lib=/usr/lib/$multiarch/lib$lib.so
  needed+=("$lib: $(dpkg -S "$lib" 2>/dev/null | head -1)")
done
for module in $(sed -n 's/^Requires: //p' "$work/root/usr/$libdir/pkgconfig/awsfota.pc"); do
  needed+=("$module.pc: $(dpkg -S "$(pkg-config --path "$module")" 2>/dev/null | head -1)")
done
for n in "${needed[@]}"; do
  owner=$(sed -n 's/^[^:]*: \([^:]*\)\(:[a-z0-9]*\)\{0,1\}: .*/\1/p' <<<"$n")
  [[ -n $owner ]] || fail "libawsfota-dev needs ${n%%:*}, which no installed package holds"
  grep -qxF "$owner" <<<"$dev_depends" || fail "libawsfota-dev needs ${n%%:*} from $owner, which its Depends lacks"
done
say "dependencies ok (shlibdeps = stated cross list; libawsfota-dev covers ${#needed[@]} needs)"

# --- lintian ------------------------------------------------------------------------------------------

# Errors and warnings fail; the accepted ones are overridden in the packages (docs/packaging.md).
lintian --fail-on error,warning "${deb[@]}" >"$work/lintian.log" 2>&1
lintian_rc=$?  # shown below without its notice about running as root
grep -v 'running with root privileges' "$work/lintian.log" | sed 's/^/  lintian: /'
((lintian_rc == 0)) || fail "lintian reports errors or warnings (above)"
say "lintian ok: no errors or warnings"

# --- install, use, purge ------------------------------------------------------------------------------

installed=("${packages[@]}")
run_dpkg -i "${deb[@]}" || fail "dpkg -i failed"
out=$(awsfota-agent --config /etc/awsfota/agent.json --check-config 2>&1) \
  || fail "the shipped /etc/awsfota/agent.json is refused: $out"
say "$out"
for program in awsfota awsfota-boot awsfota-jobsd; do
  "$program" --help >/dev/null 2>&1 || fail "$program --help fails once installed"
done
# The options that jobsd.env hands to awsfota-jobsd (also those in its comments) must be the program's.
jobsd_help=$(awsfota-jobsd --help 2>&1)
for option in $(grep -o -- '--[a-z][a-z-]*' /etc/awsfota/jobsd.env | sort -u); do
  grep -qE -- "(^|[ ,])$option([ =,]|$)" <<<"$jobsd_help" || fail "/etc/awsfota/jobsd.env uses $option, which awsfota-jobsd does not have"
done
conffiles=$(dpkg-query -W -f='${Conffiles}\n' awsfota-agent awsfota-jobsd)
for c in /etc/awsfota/agent.json /etc/awsfota/jobsd.env; do
  grep -q "^ $c " <<<"$conffiles" || fail "dpkg does not list $c as a conffile"
done
verify=$(systemd-analyze verify /lib/systemd/system/awsfota-agent.service /lib/systemd/system/awsfota-jobsd.service 2>&1) \
  || fail "systemd-analyze verify: $verify"
[[ -z $verify ]] || fail "systemd-analyze verify complains: $verify"
say "units verified by systemd-analyze"
consumer=$("$source/tests/consumer/run.sh" --installed "$source/tests/consumer/project" "$cxx" 2>&1) \
  || fail "the consumer does not build against the installed libawsfota-dev: $consumer"
grep -q "(/usr/$libdir/cmake/awsfota)" <<<"$consumer" && grep -q "(/usr/$libdir/pkgconfig)" <<<"$consumer" \
  || fail "the consumer did not use the installed package: $consumer"
say "consumer built against the installed libawsfota-dev with find_package and pkg-config"

run_dpkg --purge "${packages[@]}" || fail "dpkg --purge failed"
installed=()
snapshot >"$work/after"
left=$(diff "$work/before" "$work/after")
[[ -z $left ]] || fail "after the purge, the system's awsfota files differ from before (> left, < gone): $left"
say "purged; nothing left. $(($(date +%s) - start)) s in all"
