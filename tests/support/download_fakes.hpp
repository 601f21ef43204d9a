// Scripted fakes of the downloader's seams (Fetcher, Sink, Clock, Random) for unit and scenario tests.
// No sockets, no sleeping. Usable by any layer's tests (link awsfota_test_support).
//
//   ScriptedFetcher fetcher(file_bytes);                    // a Range-capable server holding file_bytes
//   fetcher.then(ScriptedFetcher::cut_after(1000));         // 1st fetch: connection lost after 1000 bytes
//   fetcher.then(ScriptedFetcher::status(503));             // 2nd fetch: a 503; later fetches: served well
//   MemorySink sink; FakeClock clock; MaxRandom random;
//   Download dl(fetcher, sink, clock, random, {.url = "https://h/f", .expected_size = file_bytes.size()});
//   ASSERT_TRUE(dl.run(cancel));  EXPECT_EQ(fetcher.requests()[1].offset, 1000u);
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "awsfota/download/backoff.hpp"
#include "awsfota/download/clock.hpp"
#include "awsfota/download/fetcher.hpp"
#include "awsfota/download/sink.hpp"

namespace awsfota::testing {

using Bytes = std::vector<std::byte>;

// n pseudo-random bytes (deterministic for a seed).
Bytes make_bytes(std::size_t n, std::uint32_t seed = 1);

// What one scripted fetch does.
struct ScriptedResponse {
  std::optional<download::ResponseHead> head{};  // none: fail before any response (see error)
  Bytes body{};                                  // delivered in chunks after the head
  std::optional<download::Error> error{};        // returned after the body (or instead of a response)
};

class ScriptedFetcher final : public download::Fetcher {
 public:
  // A step sees the request and the fetcher (whose serve() gives the well-formed answer to start from).
  using Step = std::function<ScriptedResponse(const download::FetchRequest&, const ScriptedFetcher&)>;

  explicit ScriptedFetcher(Bytes file = {}) : file_(std::move(file)) {}

  // Queues the behaviour of the next fetch; with the queue empty, fetches are served well.
  ScriptedFetcher& then(Step step) {
    steps_.push_back(std::move(step));
    return *this;
  }
  void set_chunk_size(std::size_t n) { chunk_size_ = n; }
  void set_etag(std::optional<std::string> etag) { etag_ = std::move(etag); }
  // Runs before each fetch (e.g. to cancel a token mid-way).
  void on_fetch(std::function<void(std::size_t index)> hook) { hook_ = std::move(hook); }

  [[nodiscard]] Expected<void, download::Error> fetch(const download::FetchRequest& request,
                                                      download::FetchHandler& handler) override;

  [[nodiscard]] const Bytes& file() const { return file_; }
  [[nodiscard]] const std::vector<download::FetchRequest>& requests() const { return requests_; }
  [[nodiscard]] std::uint64_t body_bytes_delivered() const { return delivered_; }

  // The answer of a Range-capable server: 206 with Content-Range (or 416 past the end).
  [[nodiscard]] ScriptedResponse serve(const download::FetchRequest& request) const;

  // Ready-made steps.
  static Step served();                               // answered well
  static Step cut_after(std::size_t n);               // served, but the connection drops after n bytes
  static Step status(int code);                       // that status, no body
  static Step status(int code, std::string body);     // that status with this body (an error page)
  static Step failure(download::Cause cause);         // a transport error before any response
  static Step whole_file();                           // 200 with the whole file (Range ignored)
  static Step without_content_range();                // 206 without Content-Range
  static Step with_content_range(std::string value);  // served, but with this Content-Range
  static Step with_etag(std::string etag);            // served, with this ETag

 private:
  Bytes file_{};
  std::deque<Step> steps_;
  std::size_t chunk_size_ = 1000;
  std::optional<std::string> etag_{};
  std::function<void(std::size_t)> hook_;
  std::vector<download::FetchRequest> requests_;
  std::uint64_t delivered_ = 0;
};

// Holds the bytes in memory. fail_at: write() fails once offset() would pass it. durable_every: the
// durable offset advances in steps of this many bytes (0: every byte is durable at once).
class MemorySink final : public download::Sink {
 public:
  explicit MemorySink(Bytes initial = {}) : data_(std::move(initial)), durable_(data_.size()) {}

  [[nodiscard]] std::uint64_t offset() const override { return data_.size(); }
  [[nodiscard]] std::uint64_t durable_offset() const override { return durable_; }
  [[nodiscard]] Expected<void, std::string> write(std::span<const std::byte> bytes) override;

  std::optional<std::uint64_t> fail_at{};
  std::uint64_t durable_every = 0;
  [[nodiscard]] const Bytes& data() const { return data_; }
  [[nodiscard]] std::size_t writes() const { return writes_; }
  // Bytes taken by write() so far: the one accessor another thread may call while a download writes.
  [[nodiscard]] std::uint64_t bytes_so_far() const { return bytes_so_far_.value.load(); }

 private:
  // Copies and moves like a number (tests reassign sinks), reads and writes like an atomic.
  struct Counter {
    std::atomic<std::uint64_t> value{0};
    Counter() = default;
    Counter(const Counter& other) : value(other.value.load()) {}
    Counter& operator=(const Counter& other) {
      value.store(other.value.load());
      return *this;
    }
  };
  Counter bytes_so_far_{};
  Bytes data_{};
  std::uint64_t durable_ = 0;
  std::size_t writes_ = 0;
};

// Time moves only when someone sleeps. cancel_on_sleep: the n-th sleep (1-based) cancels instead.
class FakeClock final : public download::Clock {
 public:
  [[nodiscard]] TimePoint now() override { return now_; }
  [[nodiscard]] bool sleep_for(Duration d, const download::CancelToken& cancel) override;
  void advance(Duration d) { now_ += d; }

  std::optional<std::size_t> cancel_on_sleep{};
  download::CancelToken* token_to_cancel = nullptr;
  // Called after each sleep with the new time: a test changes the world (a link comes back) here.
  std::function<void(TimePoint)> after_sleep{};
  [[nodiscard]] const std::vector<Duration>& sleeps() const { return sleeps_; }

 private:
  TimePoint now_{};
  std::vector<Duration> sleeps_;
};

// Always the upper bound: backoff delays are their caps, so tests see the exponential envelope.
class MaxRandom final : public download::Random {
 public:
  [[nodiscard]] std::uint64_t uniform(std::uint64_t upper) override { return upper; }
};

// A fixed fraction of the upper bound (0.0 .. 1.0), to check the jitter range.
class FractionRandom final : public download::Random {
 public:
  explicit FractionRandom(double f) : f_(f) {}
  [[nodiscard]] std::uint64_t uniform(std::uint64_t upper) override {
    return static_cast<std::uint64_t>(static_cast<double>(upper) * f_);
  }

 private:
  double f_;
};

}  // namespace awsfota::testing
