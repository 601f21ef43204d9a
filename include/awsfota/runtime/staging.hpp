// What the downloader writes into: the DFU side's download::Sink, with the two extra things the
// runtime needs from it (see DfuStaging in dfu_staging.hpp, the real one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "awsfota/download/sink.hpp"
#include "awsfota/expected.hpp"
#include "awsfota/fota/types.hpp"

namespace awsfota::runtime {

// Contract (in addition to download::Sink's):
//  - learn_total(): the file's total size once the server announced it (before the first write of
//    each run when known); a sink that needs the size before writing waits for it.
//  - flush(): make every byte written durable; returns the durable offset. Called once the download
//    completed, before it is reported finished.
//  - failure_cause(): after write() or flush() failed, the engine's cause for it (NoSpace, Dfu,
//    TypeMismatch, InvalidUpdate, ...), so the job's FAILED status says what really went wrong.
//  - All calls come from the download thread while a download runs, and never concurrently.
class StagingSink : public download::Sink {
 public:
  virtual void learn_total(std::uint64_t total) = 0;
  [[nodiscard]] virtual Expected<std::uint64_t, std::string> flush() = 0;
  [[nodiscard]] virtual fota::ErrorCause failure_cause() const = 0;
};

}  // namespace awsfota::runtime
