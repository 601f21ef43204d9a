#include "awsfota/jobs/topics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace awsfota::jobs {
namespace {

struct TopicCase {
  Topic topic;
  std::string text;
};

std::vector<TopicCase> every_topic() {
  const std::string t = "$aws/things/sensor-7/jobs/";
  return {
      {{TopicKind::GetPending, Reply::None, "sensor-7", ""}, t + "get"},
      {{TopicKind::GetPending, Reply::Accepted, "sensor-7", ""}, t + "get/accepted"},
      {{TopicKind::GetPending, Reply::Rejected, "sensor-7", ""}, t + "get/rejected"},
      {{TopicKind::StartNext, Reply::None, "sensor-7", ""}, t + "start-next"},
      {{TopicKind::StartNext, Reply::Accepted, "sensor-7", ""}, t + "start-next/accepted"},
      {{TopicKind::StartNext, Reply::Rejected, "sensor-7", ""}, t + "start-next/rejected"},
      {{TopicKind::DescribeExecution, Reply::None, "sensor-7", "job-42"}, t + "job-42/get"},
      {{TopicKind::DescribeExecution, Reply::Accepted, "sensor-7", "job-42"}, t + "job-42/get/accepted"},
      {{TopicKind::DescribeExecution, Reply::Rejected, "sensor-7", "job-42"}, t + "job-42/get/rejected"},
      {{TopicKind::DescribeExecution, Reply::None, "sensor-7", "$next"}, t + "$next/get"},
      {{TopicKind::DescribeExecution, Reply::Accepted, "sensor-7", "$next"}, t + "$next/get/accepted"},
      {{TopicKind::DescribeExecution, Reply::Rejected, "sensor-7", "$next"}, t + "$next/get/rejected"},
      {{TopicKind::UpdateExecution, Reply::None, "sensor-7", "job-42"}, t + "job-42/update"},
      {{TopicKind::UpdateExecution, Reply::Accepted, "sensor-7", "job-42"}, t + "job-42/update/accepted"},
      {{TopicKind::UpdateExecution, Reply::Rejected, "sensor-7", "job-42"}, t + "job-42/update/rejected"},
      {{TopicKind::Notify, Reply::None, "sensor-7", ""}, t + "notify"},
      {{TopicKind::NotifyNext, Reply::None, "sensor-7", ""}, t + "notify-next"},
      // Job ids that read like operations stay job ids: the level count decides.
      {{TopicKind::DescribeExecution, Reply::None, "sensor-7", "get"}, t + "get/get"},
      {{TopicKind::UpdateExecution, Reply::Accepted, "sensor-7", "notify"}, t + "notify/update/accepted"},
      {{TopicKind::DescribeExecution, Reply::None, "sensor-7", "accepted"}, t + "accepted/get"},
  };
}

TEST(Topics, BuildsEveryJobsTopic) {
  for (const auto& c : every_topic()) {
    const auto built = build_topic(c.topic);
    ASSERT_TRUE(built) << c.text << ": " << built.error().message;
    EXPECT_EQ(*built, c.text);
  }
}

TEST(Topics, ClassifiesEveryJobsTopicBackToItsParts) {
  for (const auto& c : every_topic()) {
    const auto classified = classify_topic(c.text, "sensor-7");
    ASSERT_TRUE(classified) << c.text << ": " << classified.error().message;
    EXPECT_EQ(*classified, c.topic) << c.text;
    // Without an expected thing, any thing's topics are classified (the service's view).
    const auto any_thing = classify_topic(c.text);
    ASSERT_TRUE(any_thing) << c.text;
    EXPECT_EQ(*any_thing, c.topic) << c.text;
  }
}

// The reference's topic checks: the suffix decides between accepted and rejected, and another job's
// update reply is recognised as such rather than matched to the current job.
TEST(Topics, DistinguishesUpdateAcceptedFromRejected) {
  const auto accepted = classify_topic("$aws/things/nrf-1234/jobs/job-1/update/accepted", "nrf-1234");
  const auto rejected = classify_topic("$aws/things/nrf-1234/jobs/job-1/update/rejected", "nrf-1234");
  ASSERT_TRUE(accepted);
  ASSERT_TRUE(rejected);
  EXPECT_EQ(accepted->reply, Reply::Accepted);
  EXPECT_EQ(rejected->reply, Reply::Rejected);
  EXPECT_EQ(accepted->kind, TopicKind::UpdateExecution);
  EXPECT_EQ(accepted->job_id, "job-1");
}

TEST(Topics, AnotherJobsUpdateTopicDoesNotMatchTheCurrentJob) {
  const std::string current_job = "9b5caac6-3e8a-45dd-9273-c1b995762f4a";
  const auto other = classify_topic("$aws/things/nrf-1234/jobs/some-other-job/update/accepted", "nrf-1234");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->kind, TopicKind::UpdateExecution);
  EXPECT_NE(other->job_id, current_job);
  const auto own = build_topic({TopicKind::UpdateExecution, Reply::Accepted, "nrf-1234", current_job});
  ASSERT_TRUE(own);
  EXPECT_NE(*own, "$aws/things/nrf-1234/jobs/some-other-job/update/accepted");
}

struct RejectCase {
  std::string topic;
  TopicErrorCode code;
};

TEST(Topics, RejectsEmptyForeignAndMalformedTopics) {
  const std::vector<RejectCase> cases = {
      {"", TopicErrorCode::NotJobsTopic},
      {"$aws/things/", TopicErrorCode::NotJobsTopic},
      {"$aws/things/sensor-7", TopicErrorCode::NotJobsTopic},
      {"$aws/things/sensor-7/shadow/update", TopicErrorCode::NotJobsTopic},
      {"$aws/things/sensor-7/jobsx/get", TopicErrorCode::NotJobsTopic},
      {"aws/things/sensor-7/jobs/get", TopicErrorCode::NotJobsTopic},
      {"/$aws/things/sensor-7/jobs/get", TopicErrorCode::NotJobsTopic},
      {"$aws/things/sensor-7/jobs", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/get/", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs//get", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/delete", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/get/maybe", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/notify/accepted", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/notify-next/rejected", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/job-1/delete", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/job-1/update/maybe", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/job-1/update/accepted/extra", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/job-1/update/", TopicErrorCode::Malformed},
      {"$aws/things/sensor-7/jobs/$next/update", TopicErrorCode::InvalidJobId},
      {"$aws/things/sensor-7/jobs/job.1/get", TopicErrorCode::InvalidJobId},
      {"$aws/things/sensor-7/jobs/job:1/get", TopicErrorCode::InvalidJobId},
      {"$aws/things/sensor-7/jobs/+/get", TopicErrorCode::InvalidJobId},
      {"$aws/things/sensor-7/jobs/" + std::string(65, 'j') + "/get", TopicErrorCode::InvalidJobId},
  };
  for (const auto& c : cases) {
    const auto result = classify_topic(c.topic, "sensor-7");
    ASSERT_FALSE(result) << "accepted: " << c.topic;
    EXPECT_EQ(result.error().code, c.code) << c.topic << ": " << result.error().message;
    EXPECT_FALSE(result.error().message.empty());
  }
}

TEST(Topics, RejectsTopicsOfAnotherThing) {
  const auto result = classify_topic("$aws/things/sensor-8/jobs/notify-next", "sensor-7");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, TopicErrorCode::OtherThing);
  EXPECT_NE(result.error().message.find("sensor-8"), std::string::npos) << result.error().message;
  // A prefix of the thing name is another thing, too.
  EXPECT_EQ(classify_topic("$aws/things/sensor-77/jobs/get", "sensor-7").error().code, TopicErrorCode::OtherThing);
}

TEST(Topics, RejectsInvalidThingNamesInTopics) {
  const std::vector<std::string> topics = {
      "$aws/things//jobs/get",
      "$aws/things/a b/jobs/get",
      "$aws/things/a+b/jobs/get",
      "$aws/things/" + std::string(129, 't') + "/jobs/get",
  };
  for (const auto& topic : topics) {
    const auto result = classify_topic(topic);
    ASSERT_FALSE(result) << topic;
    EXPECT_EQ(result.error().code, TopicErrorCode::InvalidThingName) << topic;
  }
}

TEST(Topics, AcceptsThingNamesAndJobIdsAtTheirLengthLimits) {
  const std::string thing(kMaxThingNameLength, 't');
  const std::string job(kMaxJobIdLength, 'j');
  const auto built = build_topic({TopicKind::UpdateExecution, Reply::None, thing, job});
  ASSERT_TRUE(built) << built.error().message;
  const auto classified = classify_topic(*built, thing);
  ASSERT_TRUE(classified) << classified.error().message;
  EXPECT_EQ(classified->thing, thing);
  EXPECT_EQ(classified->job_id, job);
}

TEST(Topics, ValidatesThingNameCharacterSetAndLength) {
  EXPECT_TRUE(is_valid_thing_name("a"));
  EXPECT_TRUE(is_valid_thing_name("Thing_1:eu-west-1"));
  EXPECT_TRUE(is_valid_thing_name(std::string(128, 'x')));
  EXPECT_FALSE(is_valid_thing_name(""));
  EXPECT_FALSE(is_valid_thing_name(std::string(129, 'x')));
  for (const char* bad : {"a/b", "a#", "a+", "a b", "a.b", "$aws", "t\xc3\xa9"}) {
    EXPECT_FALSE(is_valid_thing_name(bad)) << bad;
  }
}

TEST(Topics, ValidatesJobIdCharacterSetAndLength) {
  EXPECT_TRUE(is_valid_job_id("9b5caac6-3e8a-45dd-9273-c1b995762f4a"));
  EXPECT_TRUE(is_valid_job_id("job_1"));
  EXPECT_TRUE(is_valid_job_id(std::string(64, 'j')));
  EXPECT_FALSE(is_valid_job_id(""));
  EXPECT_FALSE(is_valid_job_id(std::string(65, 'j')));
  EXPECT_FALSE(is_valid_job_id("$next"));  // only a topic level, never an id of its own
  for (const char* bad : {"a:b", "a/b", "a.b", "a b", "a+", "a#"}) {
    EXPECT_FALSE(is_valid_job_id(bad)) << bad;
  }
}

struct BuildRejectCase {
  std::string name;
  Topic topic;
  TopicErrorCode code;
};

TEST(Topics, RefusesToBuildTopicsThatBreakTheRules) {
  const std::vector<BuildRejectCase> cases = {
      {"empty thing", {TopicKind::GetPending, Reply::None, "", ""}, TopicErrorCode::InvalidThingName},
      {"129-char thing", {TopicKind::GetPending, Reply::None, std::string(129, 't'), ""},
       TopicErrorCode::InvalidThingName},
      {"wildcard thing", {TopicKind::NotifyNext, Reply::None, "+", ""}, TopicErrorCode::InvalidThingName},
      {"slash in thing", {TopicKind::NotifyNext, Reply::None, "a/b", ""}, TopicErrorCode::InvalidThingName},
      {"65-char job id", {TopicKind::UpdateExecution, Reply::None, "t", std::string(65, 'j')},
       TopicErrorCode::InvalidJobId},
      {"job id with colon", {TopicKind::UpdateExecution, Reply::None, "t", "a:b"}, TopicErrorCode::InvalidJobId},
      {"update of $next", {TopicKind::UpdateExecution, Reply::None, "t", "$next"}, TopicErrorCode::InvalidJobId},
      {"update without job id", {TopicKind::UpdateExecution, Reply::None, "t", ""}, TopicErrorCode::InvalidJobId},
      {"describe without job id", {TopicKind::DescribeExecution, Reply::None, "t", ""}, TopicErrorCode::InvalidJobId},
      {"job id on get pending", {TopicKind::GetPending, Reply::None, "t", "job-1"}, TopicErrorCode::Malformed},
      {"job id on notify-next", {TopicKind::NotifyNext, Reply::None, "t", "job-1"}, TopicErrorCode::Malformed},
      {"reply to notify", {TopicKind::Notify, Reply::Accepted, "t", ""}, TopicErrorCode::Malformed},
      {"reply to notify-next", {TopicKind::NotifyNext, Reply::Rejected, "t", ""}, TopicErrorCode::Malformed},
  };
  for (const auto& c : cases) {
    const auto built = build_topic(c.topic);
    ASSERT_FALSE(built) << c.name << " gave " << *built;
    EXPECT_EQ(built.error().code, c.code) << c.name << ": " << built.error().message;
    EXPECT_FALSE(built.error().message.empty()) << c.name;
  }
}

TEST(Topics, NamesTheOffendingPartInErrors) {
  const auto result = build_topic({TopicKind::UpdateExecution, Reply::None, "t", std::string(65, 'j')});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("job id"), std::string::npos) << result.error().message;
  const auto next = classify_topic("$aws/things/t/jobs/$next/update/accepted", "t");
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().message.find("$next"), std::string::npos) << next.error().message;
}

TEST(Topics, BuildsSubscriptionFilters) {
  EXPECT_EQ(notify_next_filter("sensor-7"), "$aws/things/sensor-7/jobs/notify-next");
  EXPECT_EQ(notify_filter("sensor-7"), "$aws/things/sensor-7/jobs/notify");
  EXPECT_EQ(next_get_replies_filter("sensor-7"), "$aws/things/sensor-7/jobs/$next/get/+");
  EXPECT_EQ(update_replies_filter("sensor-7"), "$aws/things/sensor-7/jobs/+/update/+");
  EXPECT_EQ(get_replies_filter("sensor-7"), "$aws/things/sensor-7/jobs/+/get/+");
  EXPECT_EQ(all_things_jobs_filter(), "$aws/things/+/jobs/#");
}

TEST(Topics, NamesEnumValues) {
  EXPECT_EQ(to_string(TopicKind::NotifyNext), "NotifyNext");
  EXPECT_EQ(to_string(TopicKind::DescribeExecution), "DescribeExecution");
  EXPECT_EQ(to_string(TopicErrorCode::OtherThing), "OtherThing");
  EXPECT_EQ(to_string(Reply::Rejected), "Rejected");
}

}  // namespace
}  // namespace awsfota::jobs
