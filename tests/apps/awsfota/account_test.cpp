// Where `awsfota job create` gets the account id of its target ARNs: never from thin air.
#include <gtest/gtest.h>

#include "cli/account.hpp"

namespace awsfota::cli {
namespace {

struct Recorder {
  std::vector<ApiRequest> asked;
  Expected<std::string, std::string> answer = std::string("{}");
  ApiCall call() {
    return [this](const ApiRequest& r) {
      asked.push_back(r);
      return answer;
    };
  }
};

TEST(ResolveAccount, TheOptionThenTheEnvironmentWithoutAskingTheService) {
  Recorder service;
  EXPECT_EQ(resolve_account("111111111111", "222222222222", {"t1", ""}, service.call()).value(), "111111111111");
  EXPECT_EQ(resolve_account("", "222222222222", {"t1", ""}, service.call()).value(), "222222222222");
  EXPECT_TRUE(service.asked.empty());
  auto bad = resolve_account("", "12345", {"t1", ""}, service.call());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("AWS_ACCOUNT_ID"), std::string::npos) << bad.error();
  EXPECT_FALSE(resolve_account("acct", nullptr, {"t1", ""}, service.call()));
}

TEST(ResolveAccount, OtherwiseTheAccountOfTheTargetAsTheServiceDescribesIt) {
  Recorder service;
  service.answer = std::string(R"({"thingName":"t1","thingArn":"arn:aws:iot:eu-west-1:333333333333:thing/t1"})");
  EXPECT_EQ(resolve_account("", nullptr, {"t1", ""}, service.call()).value(), "333333333333");
  ASSERT_EQ(service.asked.size(), 1U);
  EXPECT_EQ(service.asked[0].operation, "DescribeThing");
  EXPECT_EQ(service.asked[0].path, "/things/t1");

  service.answer = std::string(R"({"thingGroupArn":"arn:aws:iot:eu-west-1:444444444444:thinggroup/fleet"})");
  EXPECT_EQ(resolve_account("", "", {"", "fleet"}, service.call()).value(), "444444444444");
  EXPECT_EQ(service.asked.back().path, "/thing-groups/fleet");
}

TEST(ResolveAccount, FailsWithAReasonInsteadOfInventingOne) {
  Recorder service;
  service.answer = unexpected(std::string("ResourceNotFoundException: thing t9 does not exist"));
  auto missing = resolve_account("", nullptr, {"t9", ""}, service.call());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("t9 does not exist"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find("--account"), std::string::npos) << missing.error();
  service.answer = std::string(R"({"thingName":"t1"})");
  EXPECT_FALSE(resolve_account("", nullptr, {"t1", ""}, service.call()));
}

TEST(AccountOfArn, TakesTheFifthField) {
  EXPECT_EQ(account_of_arn("arn:aws:iot:us-east-1:123456789012:thing/x"), "123456789012");
  EXPECT_EQ(account_of_arn("arn:aws:iot:us-east-1"), "");
}

}  // namespace
}  // namespace awsfota::cli
