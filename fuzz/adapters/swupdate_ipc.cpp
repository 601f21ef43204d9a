// Fuzzes the decoders of SWUpdate's records (the control socket's answers and the progress socket's
// reports come from another process): no crash, strings bounded by their fields, percent in 0..100.
// The input is cut or zero-padded to each record's size, so every input reaches the field checks.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "awsfota/adapters/swupdate/swupdate_ipc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace awsfota::swupdate;
  std::vector<std::uint8_t> record(data, data + size);
  record.resize(ipc_message_size());
  if (auto reply = decode_ipc_reply(record); reply && reply->status.desc.size() > 2048) __builtin_trap();
  (void)decode_ipc_reply(std::span(data, size));
  record.assign(data, data + size);
  record.resize(progress_message_size());
  if (auto report = decode_progress(record)) {
    const int percent = report->percent();
    if (percent < 0 || percent > 100 || report->image.size() > 256 || report->info.size() > 2048) __builtin_trap();
  }
  return 0;
}
