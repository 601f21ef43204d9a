// Runs a helper program (unsquashfs) to completion and keeps what it printed.
//
//   auto r = run_capture({"unsquashfs", "-cat", "bundle.raucb", "manifest.raucm"});
//   if (r.started && r.exit_code == 0) use(r.out);
#pragma once

#include <string>
#include <vector>

namespace awsfota::cli {

struct ProgramResult {
  bool started = false;  // false: the program could not be run (not installed)
  int exit_code = -1;    // -1: killed by a signal
  std::string out;       // standard output, at most 1 MiB
  std::string err;       // standard error, at most 64 KiB
};

[[nodiscard]] ProgramResult run_capture(const std::vector<std::string>& argv);

// The first line of `text` (for one-line error messages).
[[nodiscard]] std::string first_line(const std::string& text);

}  // namespace awsfota::cli
