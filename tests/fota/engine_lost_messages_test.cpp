// Jobs messages dropped before the engine saw them (Fota::on_messages_lost, fed by the runtime when
// its queue is full): the engine asks the service again, so a lost notify-next delays a job or a
// cancellation but never loses it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fota/world.hpp"

namespace awsfota::fota::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(EngineLostMessages, IdleAsksForTheNextJobAgainAndTakesTheOneWhoseNoticeWasLost) {
  World w;
  w.run();
  (void)w.service.add_job(ServiceJob{"job-1", "QUEUED", 1, firmware_doc(), {}});  // its notify-next is lost
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "QUEUED") << "nothing asks for it yet";

  w.feed(MessagesLost{});
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  EXPECT_THAT(w.bugs, IsEmpty());
}

TEST(EngineLostMessages, BusyReadsTheJobInHandAgainAndSeesItWasCanceled) {
  World w;
  w.run_into_download("job-1");
  ASSERT_EQ(w.engine->state(), State::Downloading);
  (void)w.service.force_cancel("job-1", "CANCELED");  // its notify-next is lost

  w.feed(MessagesLost{});
  w.run();
  // Seen from the describe answer (TerminalStateReached, as AWS answers a get of an ended execution),
  // before the next status update could be refused for it: the job ended, nothing went wrong.
  EXPECT_THAT(w.statuses(), ElementsAre("IN_PROGRESS@1 downloading"));
  EXPECT_EQ(w.event_names().back(), "CANCELED");
  EXPECT_THAT(w.event_names(), ::testing::Not(::testing::Contains(::testing::StartsWith("ERROR"))));
  EXPECT_EQ(w.staged, 0u);
  EXPECT_EQ(w.engine->state(), State::Idle);
  EXPECT_THAT(w.bugs, IsEmpty());
}

TEST(EngineLostMessages, WithNothingLostInAJobTheAnswerChangesNothing) {
  World w;
  w.run_into_download("job-1");
  w.feed(MessagesLost{});
  w.run();
  EXPECT_EQ(w.job_status("job-1"), "SUCCEEDED");
  EXPECT_THAT(w.invariant_violations, IsEmpty());
  EXPECT_THAT(w.bugs, IsEmpty());
}

}  // namespace
}  // namespace awsfota::fota::testing
