// The checkpoint codec and its store backends.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "awsfota/jobs/job_document.hpp"
#include "awsfota/jobs/topics.hpp"
#include "awsfota/store/checkpoint_store.hpp"

namespace awsfota::store {
namespace {

Checkpoint sample() {
  Checkpoint cp;
  cp.job_id = "job-42";
  cp.version_number = 7;
  cp.execution_number = 1;
  cp.phase = CheckpointPhase::Downloading;
  cp.url = "https://bucket.s3.eu-central-1.amazonaws.com/app.bin?X-Amz-Signature=abc";
  cp.size = 181124;
  cp.sha256 = std::string(64, 'a');
  cp.fw_version = "v1.0.2";
  cp.committed_offset = 65536;
  cp.total = 181124;
  cp.url_refreshes = 1;
  return cp;
}

// The frame of a checkpoint that must be storable (throws, failing the test, when encode refuses).
std::string encoded(const Checkpoint& cp) { return encode_checkpoint(cp).value(); }

TEST(Checkpoint_Codec, RoundTripsEveryField) {
  Checkpoint cp = sample();
  auto back = decode_checkpoint(encoded(cp));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, cp);

  cp.phase = CheckpointPhase::Reporting;
  cp.report_status = "FAILED";
  cp.report_details = {{"cause", "HASH_MISMATCH"}, {"reason", "digest \"differs\" \xc3\xa9"}};
  cp.image_kind = 8;
  back = decode_checkpoint(encoded(cp));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, cp);
}

TEST(Checkpoint_Codec, EncodingIsDeterministicAndReadable) {
  std::string a = encoded(sample());
  EXPECT_EQ(a, encoded(sample()));
  EXPECT_EQ(a.rfind("AWSFOTA-CHECKPOINT v1 len=", 0), 0u) << a;
  EXPECT_NE(a.find("\"phase\":\"downloading\""), std::string::npos);
}

TEST(Checkpoint_Codec, RejectsAFlippedByteAsCorrupt) {
  std::string bytes = encoded(sample());
  bytes[bytes.size() - 5] ^= 0x01;
  auto r = decode_checkpoint(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckpointErrorCode::Corrupt);
  EXPECT_NE(r.error().message.find("crc32"), std::string::npos);
}

TEST(Checkpoint_Codec, RejectsATornWriteAsCorrupt) {
  std::string bytes = encoded(sample());
  auto r = decode_checkpoint(bytes.substr(0, bytes.size() - 10));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckpointErrorCode::Corrupt);
  EXPECT_NE(r.error().message.find("torn write"), std::string::npos);
}

TEST(Checkpoint_Codec, RejectsAnUnknownVersionByName) {
  std::string bytes = encoded(sample());
  bytes.replace(bytes.find("v1 "), 3, "v9 ");
  auto r = decode_checkpoint(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckpointErrorCode::UnknownVersion);
  EXPECT_NE(r.error().message.find("format version 9"), std::string::npos);
}

TEST(Checkpoint_Codec, RejectsForeignFilesAndOversizedInput) {
  EXPECT_EQ(decode_checkpoint("{\"jobId\":\"x\"}").error().code, CheckpointErrorCode::NotACheckpoint);
  EXPECT_EQ(decode_checkpoint("").error().code, CheckpointErrorCode::NotACheckpoint);
  EXPECT_EQ(decode_checkpoint(std::string(kMaxCheckpointBytes + 1, 'x')).error().code, CheckpointErrorCode::TooLarge);
}

std::string framed(const std::string& body) {
  char crc[9];
  std::snprintf(crc, sizeof crc, "%08x", crc32(body));
  return "AWSFOTA-CHECKPOINT v1 len=" + std::to_string(body.size()) + " crc32=" + crc + "\n" + body;
}

TEST(Checkpoint_Codec, RejectsAnIntactFrameWithABadBodyNamingTheField) {
  struct Case {
    std::string body, field;
  } cases[] = {
      {R"({"versionNumber":1,"phase":"downloading"})", "jobId"},
      {R"({"jobId":"j","versionNumber":"1","phase":"downloading"})", "versionNumber"},
      {R"({"jobId":"j","versionNumber":1,"phase":"flying"})", "phase"},
      {R"({"jobId":"j","versionNumber":1,"phase":"reporting"})", "reportStatus"},
      {R"({"jobId":"j","versionNumber":1,"phase":"downloading","committedOffset":-4})", "committedOffset"},
      {R"({"jobId":"j","versionNumber":1,"phase":"downloading","committedOffset":9,"total":5})", "committedOffset"},
      {R"([1,2])", "object"},
  };
  for (const auto& c : cases) {
    auto r = decode_checkpoint(framed(c.body));
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code, CheckpointErrorCode::Invalid) << c.body;
    EXPECT_NE(r.error().message.find(c.field), std::string::npos) << r.error().message;
  }
}

TEST(Checkpoint_Codec, EncodeRefusesWhatDecodeWouldRefuseNamingTheField) {
  struct Case {
    const char* what;
    void (*change)(Checkpoint&);
    CheckpointErrorCode code;
    const char* message_part;
  } cases[] = {
      {"long fwversion", [](Checkpoint& c) { c.fw_version = std::string(jobs::kMaxFwVersionLength + 1, 'v'); },
       CheckpointErrorCode::Invalid, "fwversion: too long (1025 bytes, at most 1024)"},
      {"long url", [](Checkpoint& c) { c.url = "https://h/" + std::string(jobs::kMaxStoredUrlLength, 'a'); },
       CheckpointErrorCode::Invalid, "url: too long"},
      {"empty job id", [](Checkpoint& c) { c.job_id.clear(); }, CheckpointErrorCode::Invalid, "jobId: empty"},
      {"long job id", [](Checkpoint& c) { c.job_id = std::string(jobs::kMaxJobIdLength + 1, 'j'); },
       CheckpointErrorCode::Invalid, "jobId: too long"},
      {"long digest", [](Checkpoint& c) { c.sha256 = std::string(65, 'a'); }, CheckpointErrorCode::Invalid,
       "sha256: too long"},
      {"negative version", [](Checkpoint& c) { c.version_number = -1; }, CheckpointErrorCode::Invalid,
       "versionNumber: negative"},
      {"offset past the end", [](Checkpoint& c) { c.committed_offset = c.total + 1; }, CheckpointErrorCode::Invalid,
       "committedOffset"},
      {"long detail", [](Checkpoint& c) { c.report_details["reason"] = std::string(jobs::kMaxStatusDetailValueLength + 1, 'r'); },
       CheckpointErrorCode::Invalid, "reportDetails"},
      {"not UTF-8", [](Checkpoint& c) { c.fw_version = "v1\xff"; }, CheckpointErrorCode::Invalid, "not UTF-8"},
      {"over 64 KiB", [](Checkpoint& c) {
         for (int i = 0; i < 80; ++i) c.report_details["k" + std::to_string(i)] = std::string(1000, 'd');
       }, CheckpointErrorCode::TooLarge, "bytes"},
  };
  for (const auto& c : cases) {
    Checkpoint cp = sample();
    c.change(cp);
    auto r = encode_checkpoint(cp);
    ASSERT_FALSE(r) << c.what;
    EXPECT_EQ(r.error().code, c.code) << c.what << ": " << r.error().message;
    EXPECT_TRUE(r.error().message.starts_with("checkpoint: not stored")) << r.error().message;
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << c.what << ": " << r.error().message;
  }
}

TEST(Checkpoint_Codec, FieldsExactlyAtTheirLimitsRoundTrip) {
  Checkpoint cp = sample();
  cp.job_id = std::string(jobs::kMaxJobIdLength, 'j');
  cp.url = "https://h/" + std::string(jobs::kMaxStoredUrlLength - 10, 'a');
  cp.fw_version = std::string(jobs::kMaxFwVersionLength, '\x01');  // stored escaped, six bytes each
  cp.phase = CheckpointPhase::Reporting;
  cp.report_status = "FAILED";
  cp.report_details = {{std::string(jobs::kMaxStatusDetailKeyLength, 'k'), std::string(jobs::kMaxStatusDetailValueLength, 'v')}};
  auto back = decode_checkpoint(encoded(cp));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, cp);
}

// AWS's executionNumber is a long and runs past 2^31; the checkpoint keeps all 64 bits of it.
TEST(Checkpoint_Codec, KeepsAnExecutionNumberPast32Bits) {
  Checkpoint cp = sample();
  cp.execution_number = 0x1'8000'0001;
  auto back = decode_checkpoint(encoded(cp));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->execution_number, 0x1'8000'0001);
}

TEST(Checkpoint_Codec, Crc32MatchesTheStandardCheckValue) { EXPECT_EQ(crc32("123456789"), 0xcbf43926U); }

class FileStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("awsfota-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileStore, SavesLoadsAndClears) {
  FileCheckpointStore store(dir_ / "checkpoint");
  auto empty = store.load();
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->has_value());
  ASSERT_TRUE(store.save(sample()));
  auto loaded = store.load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, sample());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "checkpoint.tmp"));
  ASSERT_TRUE(store.clear());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "checkpoint"));
  EXPECT_TRUE(store.clear());  // clearing nothing succeeds
}

TEST_F(FileStore, SaveReplacesTheWholeFile) {
  FileCheckpointStore store(dir_ / "checkpoint");
  Checkpoint big = sample();
  big.url += std::string(3000, 'q');
  ASSERT_TRUE(store.save(big));
  ASSERT_TRUE(store.save(sample()));
  auto loaded = store.load();
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ(**loaded, sample());
}

TEST_F(FileStore, DamagedFileIsUnreadableWithTheReason) {
  FileCheckpointStore store(dir_ / "checkpoint");
  ASSERT_TRUE(store.save(sample()));
  {
    std::fstream f(dir_ / "checkpoint", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.put('#');
  }
  auto loaded = store.load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, StoreErrorCode::Unreadable);
  EXPECT_EQ(loaded.error().checkpoint_error, CheckpointErrorCode::Corrupt);
  EXPECT_NE(loaded.error().message.find("checkpoint"), std::string::npos);
}

TEST_F(FileStore, MissingDirectoryIsAnIoErrorNamingThePath) {
  FileCheckpointStore store(dir_ / "no-such-dir" / "checkpoint");
  auto saved = store.save(sample());
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, StoreErrorCode::Io);
  EXPECT_NE(saved.error().message.find("no-such-dir"), std::string::npos);
}

// Saves a good checkpoint, then `bad`: the second save must be refused and the first stay loadable.
void expect_refused_keeping_the_previous(CheckpointStore& store, const Checkpoint& bad, std::string_view field) {
  ASSERT_TRUE(store.save(sample()));
  auto saved = store.save(bad);
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, StoreErrorCode::Unstorable);
  EXPECT_EQ(saved.error().checkpoint_error, CheckpointErrorCode::Invalid);
  EXPECT_NE(saved.error().message.find(field), std::string::npos) << saved.error().message;
  auto loaded = store.load();
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ(**loaded, sample());
}

TEST_F(FileStore, RefusesAnUnstorableCheckpointAndKeepsThePreviousOne) {
  FileCheckpointStore store(dir_ / "checkpoint");
  Checkpoint bad = sample();
  bad.fw_version = std::string(2000, 'v');
  expect_refused_keeping_the_previous(store, bad, "fwversion");
}

TEST(MemoryStore, RefusesAnUnstorableCheckpointAndKeepsThePreviousOne) {
  MemoryCheckpointStore store;
  Checkpoint bad = sample();
  bad.url = std::string(jobs::kMaxStoredUrlLength + 1, 'u');
  expect_refused_keeping_the_previous(store, bad, "url");
}

TEST(MemoryStore, KeepsTheEncodedFrame) {
  MemoryCheckpointStore store;
  ASSERT_TRUE(store.save(sample()));
  ASSERT_TRUE(store.bytes().has_value());
  (*store.bytes())[40] ^= 0x04;
  auto loaded = store.load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, StoreErrorCode::Unreadable);
}

}  // namespace
}  // namespace awsfota::store
