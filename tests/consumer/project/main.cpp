// A program outside the tree, built against the installed awsfota package.
#include <awsfota/jobs/job_document.hpp>
#include <awsfota/jobs/topics.hpp>

#include <iostream>

int main() {
  const auto topic = awsfota::jobs::build_topic(
      {awsfota::jobs::TopicKind::NotifyNext, awsfota::jobs::Reply::None, "consumer-thing", ""});
  const auto document = awsfota::jobs::parse_job_document(
      R"({"operation":"app_fw_update","location":{"protocol":"https:","host":"example.com","path":"fw.bin"}})");
  if (!topic || !document) {
    std::cout << "consumer failed\n";
    return 1;
  }
  std::cout << "consumer ok: " << *topic << " " << document->location.url() << "\n";
  return 0;
}
