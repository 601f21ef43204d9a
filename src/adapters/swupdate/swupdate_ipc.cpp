#include "awsfota/adapters/swupdate/swupdate_ipc.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

// SWUpdate's own headers (libswupdate-dev): the records' layouts. Only their types are used; nothing
// of libswupdate is linked (its client functions take the socket paths from TMPDIR alone).
#include <network_ipc.h>
#include <progress_ipc.h>

namespace awsfota::swupdate {

namespace {

constexpr int kSourceLocal = 4;  // SOURCE_LOCAL: a local program handing over a file

std::vector<std::uint8_t> bytes_of(const ipc_message& message) {
  std::vector<std::uint8_t> out(sizeof message);
  std::memcpy(out.data(), &message, sizeof message);
  return out;
}

ipc_message blank_message(int type) {
  ipc_message message;
  std::memset(&message, 0, sizeof message);
  message.magic = IPC_MAGIC;
  message.type = type;
  return message;
}

// A C string field that may lack its terminator: never read past the field.
template <std::size_t N>
std::string bounded(const char (&field)[N]) {
  return std::string(field, ::strnlen(field, N));
}

}  // namespace

std::optional<UpdateState> update_state_of(char c) {
  if (c < '0' || c > '7') return std::nullopt;
  return static_cast<UpdateState>(c);
}

std::size_t ipc_message_size() { return sizeof(ipc_message); }
std::size_t progress_message_size() { return sizeof(progress_msg); }

std::vector<std::uint8_t> encode_install_request(std::uint64_t swu_size) {
  ipc_message message = blank_message(REQ_INSTALL);
  swupdate_request& req = message.data.instmsg.req;
  req.apiversion = SWUPDATE_API_VERSION;
  req.source = static_cast<sourcetype>(kSourceLocal);
  req.dry_run = RUN_DEFAULT;
  req.len = static_cast<std::size_t>(swu_size);
  return bytes_of(message);
}

std::vector<std::uint8_t> encode_status_request() { return bytes_of(blank_message(GET_STATUS)); }

std::vector<std::uint8_t> encode_get_update_state() { return bytes_of(blank_message(GET_UPDATE_STATE)); }

std::vector<std::uint8_t> encode_set_update_state(UpdateState state) {
  ipc_message message = blank_message(SET_UPDATE_STATE);
  message.data.msg[0] = static_cast<char>(state);
  return bytes_of(message);
}

Expected<IpcReply, std::string> decode_ipc_reply(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != sizeof(ipc_message)) {
    return unexpected("SWUpdate's answer has " + std::to_string(bytes.size()) + " bytes, not " +
                      std::to_string(sizeof(ipc_message)));
  }
  ipc_message message;
  std::memcpy(&message, bytes.data(), sizeof message);
  if (message.magic != IPC_MAGIC) return unexpected(std::string("SWUpdate's answer lacks its IPC magic"));
  if (message.type != ACK && message.type != NACK) {
    return unexpected("SWUpdate's answer is of type " + std::to_string(message.type) + ", neither ACK nor NACK");
  }
  IpcReply reply;
  reply.ack = message.type == ACK;
  const int current = message.data.status.current;
  reply.status.current = current >= 0 && current <= static_cast<int>(SwuStatus::Progress)
                             ? static_cast<SwuStatus>(current)
                             : SwuStatus::Idle;
  reply.status.last_result = message.data.status.last_result;
  reply.status.error = message.data.status.error;
  reply.status.desc = bounded(message.data.status.desc);
  reply.state = update_state_of(message.data.msg[0]);
  return reply;
}

int ProgressReport::percent() const {
  if (steps == 0) return status == SwuStatus::Success ? 100 : 0;
  const unsigned done_steps = std::min(step == 0 ? 0u : step - 1, steps);
  const unsigned within = std::min(step_percent, 100u);
  const unsigned long long total = (static_cast<unsigned long long>(done_steps) * 100 + within) / steps;
  return static_cast<int>(std::min(total, 100ull));
}

Expected<ProgressReport, std::string> decode_progress(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != sizeof(progress_msg)) {
    return unexpected("SWUpdate's progress record has " + std::to_string(bytes.size()) + " bytes, not " +
                      std::to_string(sizeof(progress_msg)));
  }
  progress_msg message;
  std::memcpy(&message, bytes.data(), sizeof message);
  // The status as the int it is on the wire: an enum object must never hold a value outside its enum.
  int status = 0;
  std::memcpy(&status, bytes.data() + offsetof(progress_msg, status), sizeof status);
  if (status < 0 || status > static_cast<int>(SwuStatus::Progress)) {
    return unexpected("SWUpdate's progress record has an unknown status " + std::to_string(status));
  }
  ProgressReport report;
  report.status = static_cast<SwuStatus>(status);
  report.steps = message.nsteps;
  report.step = message.cur_step;
  report.step_percent = message.cur_percent;
  report.image = bounded(message.cur_image);
  report.handler = bounded(message.hnd_name);
  const std::size_t info_len = std::min<std::size_t>(message.infolen, sizeof message.info);
  report.info = std::string(message.info, ::strnlen(message.info, info_len));
  return report;
}

}  // namespace awsfota::swupdate
