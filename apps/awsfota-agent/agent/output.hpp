// Where the agent's lines go: stderr, one line per message. On an interactive terminal a download
// shows as a progress bar redrawn in place (ended by the next line); otherwise (systemd, a pipe) as
// plain lines every 10 percent. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "awsfota/fota/seams.hpp"
#include "awsfota/fota/types.hpp"

namespace awsfota::agent {

class Output final : public fota::Logger {
 public:
  Output(bool progress_bar, bool timestamps, bool verbose)
      : bar_(progress_bar), timestamps_(timestamps), verbose_(verbose) {}

  void line(std::string_view text);
  void event(const fota::Event& event);
  // fota::Logger: engine log lines; Debug only when verbose.
  void log(fota::LogLevel level, std::string_view message) override;

 private:
  void write_line_locked(std::string_view text);

  std::mutex mutex_;
  const bool bar_;
  const bool timestamps_;
  const bool verbose_;
  bool bar_on_screen_ = false;
  int last_logged_percent_ = -1;
  std::string progress_job_;
};

}  // namespace awsfota::agent
