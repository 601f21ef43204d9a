// A cancellation flag shared between the thread that runs a download and the one that stops it.
//
//   CancelToken cancel;
//   std::thread t([&] { auto r = download.run(cancel, {}); });
//   cancel.cancel();   // the download returns Cause::Canceled within about a second
//   t.join();
#pragma once

#include <atomic>

namespace awsfota::download {

class CancelToken {
 public:
  void cancel() noexcept { flag_.store(true, std::memory_order_release); }
  [[nodiscard]] bool canceled() const noexcept { return flag_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> flag_{false};
};

}  // namespace awsfota::download
