// The sink seam: where downloaded bytes go (a DFU target, a file, a hash). The DFU side implements it.
//
// Contract:
//  - offset() is the number of bytes the sink holds, in order, from the start of the file: the
//    "committed offset". The resumer starts there and, after any failure, asks again and resumes
//    there, so a sink that loses unflushed bytes on an error simply reports a smaller offset.
//  - write() appends bytes at offset(). On success offset() grows by bytes.size(). On failure the
//    sink returns a sentence saying what went wrong (disk full, image larger than the slot, ...); the
//    download stops with Cause::WriteFailed. The span is valid only during the call.
//  - durable_offset() <= offset(): bytes below it survive a power loss (the sink decides when to
//    fsync). The resumer reports it in progress so the caller can checkpoint it; after a reboot the
//    caller re-opens the sink at that offset.
//  - Calls come from the thread that runs the download.
//
//   class FileSink : public Sink { ... };   // write() = ::write, fsync every 1 MiB
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "awsfota/expected.hpp"

namespace awsfota::download {

class Sink {
 public:
  virtual ~Sink() = default;
  [[nodiscard]] virtual std::uint64_t offset() const = 0;
  [[nodiscard]] virtual std::uint64_t durable_offset() const { return offset(); }
  [[nodiscard]] virtual Expected<void, std::string> write(std::span<const std::byte> bytes) = 0;
};

}  // namespace awsfota::download
