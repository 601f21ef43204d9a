// SwupdateService over SWUpdate's Unix sockets: the control socket (install, status, update state)
// and the progress socket. Hand-written on the records of SWUpdate's installed headers
// (swupdate_ipc.hpp), because libswupdate's client functions find the sockets through TMPDIR alone
// and keep global state; awsfota takes the paths from its config.
//
// Each call opens its own connections, so the agent may start before SWUpdate and survives its
// restarts. A missing daemon is SwupdateErrorCode::Unavailable with a sentence that says so.
//
//   SocketSwupdate swu({});   // Debian's defaults: /tmp/sockinstctrl, /tmp/swupdateprog
//   auto state = swu.update_state();
#pragma once

#include <chrono>
#include <filesystem>

#include "awsfota/adapters/swupdate/swupdate_service.hpp"

namespace awsfota::swupdate {

struct SocketSwupdateOptions {
  std::filesystem::path ctrl_socket = "/tmp/sockinstctrl";     // SWUpdate's defaults ($TMPDIR/...)
  std::filesystem::path progress_socket = "/tmp/swupdateprog";
  // How long an install may run before awsfota stops waiting (SWUpdate goes on).
  std::chrono::seconds install_timeout = std::chrono::hours(1);
  // How long any single exchange may take.
  std::chrono::seconds call_timeout = std::chrono::seconds(30);
};

class SocketSwupdate final : public SwupdateService {
 public:
  explicit SocketSwupdate(SocketSwupdateOptions options) : options_(std::move(options)) {}

  [[nodiscard]] Expected<void, SwupdateError> install(const std::string& swu,
                                                      const SwupdateProgressHandler& progress) override;
  [[nodiscard]] Expected<UpdateState, SwupdateError> update_state() override;
  [[nodiscard]] Expected<void, SwupdateError> set_update_state(UpdateState state) override;

 private:
  SocketSwupdateOptions options_;
};

}  // namespace awsfota::swupdate
