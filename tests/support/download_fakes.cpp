#include "support/download_fakes.hpp"

#include <algorithm>

namespace awsfota::testing {

using download::Cause;
using download::Error;
using download::FetchRequest;
using download::ResponseHead;

Bytes make_bytes(std::size_t n, std::uint32_t seed) {
  Bytes out(n);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::byte>(x & 0xffu);
  }
  return out;
}

ScriptedResponse ScriptedFetcher::serve(const FetchRequest& request) const {
  const std::uint64_t size = file_.size();
  ScriptedResponse r;
  ResponseHead head;
  head.etag = etag_;
  if (request.offset >= size) {
    head.status = 416;
    head.content_range = "bytes */" + std::to_string(size);
    r.head = head;
    return r;
  }
  std::uint64_t last = size - 1;
  if (request.last) last = std::min(last, *request.last);
  head.status = 206;
  head.content_range = "bytes " + std::to_string(request.offset) + "-" + std::to_string(last) + "/" + std::to_string(size);
  head.content_length = last - request.offset + 1;
  r.head = head;
  r.body.assign(file_.begin() + static_cast<std::ptrdiff_t>(request.offset),
                file_.begin() + static_cast<std::ptrdiff_t>(last + 1));
  return r;
}

Expected<void, Error> ScriptedFetcher::fetch(const FetchRequest& request, download::FetchHandler& handler) {
  const std::size_t index = requests_.size();
  requests_.push_back(request);
  if (hook_) hook_(index);
  ScriptedResponse r;
  if (steps_.empty()) {
    r = serve(request);
  } else {
    r = steps_.front()(request, *this);
    steps_.pop_front();
  }
  auto canceled = [&] { return request.cancel != nullptr && request.cancel->canceled(); };
  if (canceled()) return unexpected(Error{Cause::Canceled, "canceled"});
  if (!r.head) return unexpected(r.error.value_or(Error{Cause::ConnectFailed, "scripted: no response"}));
  if (!handler.on_head(*r.head)) return unexpected(Error{Cause::Canceled, "stopped by the handler"});
  for (std::size_t pos = 0; pos < r.body.size(); pos += chunk_size_) {
    if (canceled()) return unexpected(Error{Cause::Canceled, "canceled"});
    const std::size_t n = std::min(chunk_size_, r.body.size() - pos);
    delivered_ += n;
    if (!handler.on_body(std::span<const std::byte>(r.body.data() + pos, n))) {
      return unexpected(Error{Cause::Canceled, "stopped by the handler"});
    }
  }
  if (r.error) return unexpected(*r.error);
  return {};
}

ScriptedFetcher::Step ScriptedFetcher::served() {
  return [](const FetchRequest& req, const ScriptedFetcher& self) { return self.serve(req); };
}

ScriptedFetcher::Step ScriptedFetcher::cut_after(std::size_t n) {
  return [n](const FetchRequest& req, const ScriptedFetcher& self) {
    ScriptedResponse r = self.serve(req);
    if (r.body.size() > n) r.body.resize(n);
    r.error = Error{Cause::ConnectionLost, "scripted: connection reset"};
    return r;
  };
}

ScriptedFetcher::Step ScriptedFetcher::status(int code) {
  return [code](const FetchRequest&, const ScriptedFetcher&) {
    ScriptedResponse r;
    r.head = ResponseHead{.status = code, .content_range = std::nullopt, .content_length = 0, .etag = std::nullopt};
    return r;
  };
}

ScriptedFetcher::Step ScriptedFetcher::status(int code, std::string body) {
  return [code, page = std::move(body)](const FetchRequest& req, const ScriptedFetcher& self) {
    ScriptedResponse r = status(code)(req, self);
    r.head->content_length = page.size();
    const auto* bytes = reinterpret_cast<const std::byte*>(page.data());
    r.body.assign(bytes, bytes + page.size());
    return r;
  };
}

ScriptedFetcher::Step ScriptedFetcher::failure(Cause cause) {
  return [cause](const FetchRequest&, const ScriptedFetcher&) {
    ScriptedResponse r;
    r.error = Error{cause, "scripted: " + std::string(download::to_string(cause))};
    return r;
  };
}

ScriptedFetcher::Step ScriptedFetcher::whole_file() {
  return [](const FetchRequest&, const ScriptedFetcher& self) {
    ScriptedResponse r;
    r.head = ResponseHead{.status = 200, .content_range = std::nullopt, .content_length = self.file().size(), .etag = std::nullopt};
    r.body = self.file();
    return r;
  };
}

ScriptedFetcher::Step ScriptedFetcher::without_content_range() {
  return [](const FetchRequest& req, const ScriptedFetcher& self) {
    ScriptedResponse r = self.serve(req);
    r.head->content_range.reset();
    return r;
  };
}

ScriptedFetcher::Step ScriptedFetcher::with_content_range(std::string value) {
  return [value](const FetchRequest& req, const ScriptedFetcher& self) {
    ScriptedResponse r = self.serve(req);
    r.head->content_range = value;
    r.head->content_length.reset();
    return r;
  };
}

ScriptedFetcher::Step ScriptedFetcher::with_etag(std::string etag) {
  return [etag](const FetchRequest& req, const ScriptedFetcher& self) {
    ScriptedResponse r = self.serve(req);
    r.head->etag = etag;
    return r;
  };
}

Expected<void, std::string> MemorySink::write(std::span<const std::byte> bytes) {
  ++writes_;
  if (fail_at && data_.size() + bytes.size() > *fail_at) return unexpected(std::string("scripted: disk full"));
  data_.insert(data_.end(), bytes.begin(), bytes.end());
  bytes_so_far_.value.fetch_add(bytes.size());
  if (durable_every == 0) {
    durable_ = data_.size();
  } else {
    durable_ = data_.size() / durable_every * durable_every;
  }
  return {};
}

bool FakeClock::sleep_for(Duration d, const download::CancelToken& cancel) {
  sleeps_.push_back(d);
  if (cancel_on_sleep && sleeps_.size() == *cancel_on_sleep && token_to_cancel != nullptr) token_to_cancel->cancel();
  if (cancel.canceled()) return false;
  now_ += d;
  if (after_sleep) after_sleep(now_);
  return true;
}

}  // namespace awsfota::testing
