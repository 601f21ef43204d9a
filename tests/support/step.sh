# Sourced by the tests' shell drivers (tests/consumer/run.sh, tests/capi/run.sh).
# step DESCRIPTION COMMAND...: runs COMMAND with its output kept in $step_log; quiet on success, and on
# failure prints "$step_tag: DESCRIPTION failed:" with the whole output, then exits 1.
step() {
  local what=$1
  shift
  if ! "$@" >"$step_log" 2>&1; then
    echo "$step_tag: $what failed:"
    cat "$step_log"
    exit 1
  fi
}
