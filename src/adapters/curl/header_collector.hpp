// Collects the response head from libcurl's header callback, one line at a time, across redirects
// and interim (1xx) responses, and says when the final response's head is complete.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "awsfota/download/response.hpp"

namespace awsfota::curl {

class HeaderCollector {
 public:
  enum class Line { Header, FinalHeadComplete, InterimHeadComplete };

  // follow_redirects: a 3xx with a Location is an interim response (libcurl follows it).
  explicit HeaderCollector(bool follow_redirects) : follow_(follow_redirects) {}

  // One header line as libcurl delivers it (status line, "Name: value", or the blank line).
  Line feed(std::string_view line);

  [[nodiscard]] const download::ResponseHead& head() const { return head_; }
  [[nodiscard]] bool has_location() const { return has_location_; }

 private:
  bool follow_;
  download::ResponseHead head_{};
  bool has_location_ = false;
};

}  // namespace awsfota::curl
