// SWUpdate's IPC messages as bytes (pure: no sockets). SWUpdate's control socket takes and answers
// fixed-size `ipc_message` records (network_ipc.h of libswupdate-dev); its progress socket sends
// fixed-size `progress_msg` records (progress_ipc.h). The layouts are the installed headers' own, so
// this file and the daemon agree by construction; the decoders take untrusted bytes (a fuzz target
// feeds them) and never read past what they were given.
//
//   auto request = encode_install_request(swu_size);   // REQ_INSTALL; then the .swu's bytes follow
//   auto reply = decode_ipc_reply(bytes);              // ACK/NACK, a GET_STATUS answer, an update state
//   if (reply && reply->status.current == SwuStatus::Failure) log(reply->status.desc);
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"

namespace awsfota::swupdate {

// SWUpdate's RECOVERY_STATUS (swupdate_status.h); the values are SWUpdate's and never reordered.
enum class SwuStatus : int { Idle = 0, Start, Run, Success, Failure, Download, Done, Subprocess, Progress };

// The bootloader's update state variable (`ustate`) as SWUpdate keeps it: one character.
enum class UpdateState : char {
  Ok = '0',           // nothing pending
  Installed = '1',    // SWUpdate installed an update; reboot pending
  Testing = '2',      // the new software is booted and on trial
  Failed = '3',       // the update failed (set by a bootloader that fell back, or by the application)
  NotAvailable = '4',
  Error = '5',
  Wait = '6',
  InProgress = '7',
};
[[nodiscard]] std::optional<UpdateState> update_state_of(char c);

// Sizes of the records on the wire.
[[nodiscard]] std::size_t ipc_message_size();
[[nodiscard]] std::size_t progress_message_size();

[[nodiscard]] std::vector<std::uint8_t> encode_install_request(std::uint64_t swu_size);
[[nodiscard]] std::vector<std::uint8_t> encode_status_request();
[[nodiscard]] std::vector<std::uint8_t> encode_get_update_state();
[[nodiscard]] std::vector<std::uint8_t> encode_set_update_state(UpdateState state);

struct StatusInfo {
  SwuStatus current = SwuStatus::Idle;
  int last_result = 0;  // a RECOVERY_STATUS: how the last install ended
  int error = 0;
  std::string desc;     // one of SWUpdate's log lines ("ERROR : SW not compatible with hardware")
};

struct IpcReply {
  bool ack = false;  // ACK (else NACK)
  StatusInfo status;             // meaningful for a GET_STATUS answer
  std::optional<UpdateState> state;  // meaningful for a GET/SET_UPDATE_STATE answer
};

// A whole ipc_message: the magic checked, ACK or NACK, the status strings bounded.
[[nodiscard]] Expected<IpcReply, std::string> decode_ipc_reply(std::span<const std::uint8_t> bytes);

struct ProgressReport {
  SwuStatus status = SwuStatus::Idle;
  unsigned steps = 0;        // images in this install
  unsigned step = 0;         // the one being installed (1-based)
  unsigned step_percent = 0;
  std::string image;         // its file name in the .swu
  std::string handler;       // "raw", ...
  std::string info;
  // The whole install's percent from the step's (0..100).
  [[nodiscard]] int percent() const;
};

// A whole progress_msg.
[[nodiscard]] Expected<ProgressReport, std::string> decode_progress(std::span<const std::uint8_t> bytes);

}  // namespace awsfota::swupdate
