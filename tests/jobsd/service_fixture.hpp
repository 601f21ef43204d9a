// A service core on a memory store with a hand-driven clock, and helpers to read what it published.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "jobsd/service.hpp"

namespace awsfota::jobsd::testing {

inline constexpr std::int64_t kStart = 1'700'000'000'000;  // ms since the epoch
inline constexpr std::int64_t kMinute = 1000;               // the tests' "minute"

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen(Config config = Config{.minute_ms = kMinute}) {
    auto opened = Service::open(store, std::move(config));
    ASSERT_TRUE(opened) << opened.error().message;
    service = std::move(*opened);
  }

  void add_things(std::initializer_list<const char*> names) {
    for (const char* n : names) ASSERT_TRUE(service->create_thing(n, now)) << n;
  }

  std::vector<OutgoingMessage> create_job(const std::string& id, std::vector<std::string> things,
                                          std::string document = R"({"operation":"app_fw_update"})",
                                          std::optional<std::int64_t> timeout_minutes = std::nullopt) {
    std::vector<OutgoingMessage> out;
    CreateJobRequest request;
    request.job_id = id;
    request.things = std::move(things);
    request.document = std::move(document);
    request.in_progress_timeout_minutes = timeout_minutes;
    auto job = service->create_job(request, now, out);
    EXPECT_TRUE(job) << (job ? "" : job.error().message);
    return out;
  }

  Reaction send(const std::string& thing, const std::string& op, const std::string& payload) {
    return service->handle("$aws/things/" + thing + "/jobs/" + op, payload, now);
  }

  static const OutgoingMessage* find(const std::vector<OutgoingMessage>& messages, const std::string& topic) {
    for (const auto& m : messages) {
      if (m.topic == topic) return &m;
    }
    return nullptr;
  }

  static nlohmann::json body(const std::vector<OutgoingMessage>& messages, const std::string& topic) {
    const OutgoingMessage* m = find(messages, topic);
    if (m == nullptr) {
      ADD_FAILURE() << "nothing published on " << topic;
      return nlohmann::json::object();
    }
    return nlohmann::json::parse(m->payload);
  }

  static std::string topic(const std::string& thing, const std::string& rest) {
    return "$aws/things/" + thing + "/jobs/" + rest;
  }

  MemoryStore store;
  std::unique_ptr<Service> service;
  std::int64_t now = kStart;
};

}  // namespace awsfota::jobsd::testing
