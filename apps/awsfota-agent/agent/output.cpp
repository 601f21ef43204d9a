#include "agent/output.hpp"

#include <ctime>
#include <iostream>

#include "agent/display.hpp"

namespace awsfota::agent {

namespace {
std::string clock_prefix() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S ", &local);
  return text;
}
}  // namespace

void Output::write_line_locked(std::string_view text) {
  if (bar_on_screen_) {
    std::cerr << "\n";
    bar_on_screen_ = false;
  }
  std::cerr << (timestamps_ ? clock_prefix() : std::string()) << text << std::endl;
}

void Output::line(std::string_view text) {
  std::lock_guard lock(mutex_);
  write_line_locked(text);
}

void Output::event(const fota::Event& e) {
  std::lock_guard lock(mutex_);
  if (e.kind != fota::EventKind::DlProgress) {
    write_line_locked(event_line(e));
    return;
  }
  if (e.job_id != progress_job_) {
    progress_job_ = e.job_id;
    last_logged_percent_ = -1;
  }
  if (bar_) {
    std::cerr << "\r" << progress_bar(e.percent, e.job_id, 30) << std::flush;
    bar_on_screen_ = true;
    return;
  }
  if (progress_line_due(last_logged_percent_, e.percent)) {
    last_logged_percent_ = e.percent;
    write_line_locked(event_line(e));
  }
}

void Output::log(fota::LogLevel level, std::string_view message) {
  if (level == fota::LogLevel::Debug && !verbose_) return;
  std::lock_guard lock(mutex_);
  write_line_locked("[" + std::string(fota::to_string(level)) + "] " + std::string(message));
}

}  // namespace awsfota::agent
