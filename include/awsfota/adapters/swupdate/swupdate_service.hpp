// SWUpdate as awsfota needs it: install a .swu (with progress), and read or set the bootloader's update
// state (`ustate`) through SWUpdate's own bootloader interface. The real backend is SocketSwupdate
// (socket_swupdate.hpp), which talks to the `swupdate` daemon over its control and progress sockets;
// tests of the target use a scripted fake of this seam.
//
//   SocketSwupdate swu({.ctrl_socket = "/tmp/sockinstctrl", .progress_socket = "/tmp/swupdateprog"});
//   auto done = swu.install("/var/lib/awsfota/update.swu",
//                           [](const SwupdateProgress& p) { log(p.percent, p.step); });
//   if (!done) report_failed(done.error().reason);   // SWUpdate's ERROR lines, word for word
//   // after the reboot, once the self-test passed:
//   swu.set_update_state(UpdateState::Ok);
#pragma once

#include <functional>
#include <string>

#include "awsfota/adapters/swupdate/swupdate_ipc.hpp"
#include "awsfota/expected.hpp"

namespace awsfota::swupdate {

enum class SwupdateErrorCode {
  Unavailable,  // no SWUpdate on the control socket (not running, no permission): nothing was installed
  Busy,         // SWUpdate refused to start: another install is running
  Refused,      // SWUpdate ran the install and it failed: reason is SWUpdate's ERROR lines
  Lost,         // SWUpdate went away (or did not finish in time) during the install: the target of the
                //   install is in an unknown state, the running software was never touched
  Protocol,     // an answer that does not have the layout of SWUpdate's records
};

struct SwupdateError {
  SwupdateErrorCode code = SwupdateErrorCode::Unavailable;
  std::string reason;  // a sentence for logs and the job's statusDetails
};

struct SwupdateProgress {
  int percent = 0;   // of the whole install
  std::string step;  // "rootfs.img (raw), 1 of 2"
};
using SwupdateProgressHandler = std::function<void(const SwupdateProgress&)>;

// Contract: every call blocks until SWUpdate answered (install(): until the install ended) or failed.
// Calls are made from one thread at a time.
class SwupdateService {
 public:
  virtual ~SwupdateService() = default;
  // Streams the file to SWUpdate (REQ_INSTALL) and waits for the install's end.
  [[nodiscard]] virtual Expected<void, SwupdateError> install(const std::string& swu,
                                                              const SwupdateProgressHandler& progress) = 0;
  // GET_UPDATE_STATE / SET_UPDATE_STATE: the bootloader's `ustate` as SWUpdate reads and writes it.
  [[nodiscard]] virtual Expected<UpdateState, SwupdateError> update_state() = 0;
  [[nodiscard]] virtual Expected<void, SwupdateError> set_update_state(UpdateState state) = 0;
};

}  // namespace awsfota::swupdate
