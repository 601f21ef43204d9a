// SWUpdate's records as bytes, and how SWUpdate's words become a job's failure cause.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include <network_ipc.h>
#include <progress_ipc.h>

#include "awsfota/adapters/swupdate/swupdate_ipc.hpp"
#include "awsfota/adapters/swupdate/swupdate_target.hpp"

namespace awsfota::swupdate {
namespace {

std::vector<std::uint8_t> answer(int type, int current, int last_result, const char* desc, char state = 0) {
  ipc_message m;
  std::memset(&m, 0, sizeof m);
  m.magic = IPC_MAGIC;
  m.type = type;
  m.data.status.current = current;
  m.data.status.last_result = last_result;
  std::memcpy(m.data.status.desc, desc, std::min(std::strlen(desc), sizeof m.data.status.desc - 1));
  if (state != 0) m.data.msg[0] = state;
  std::vector<std::uint8_t> out(sizeof m);
  std::memcpy(out.data(), &m, sizeof m);
  return out;
}

TEST(SwupdateIpc, InstallRequestCarriesMagicTypeAndSize) {
  const auto bytes = encode_install_request(123456);
  ASSERT_EQ(bytes.size(), ipc_message_size());
  ipc_message m;
  std::memcpy(&m, bytes.data(), sizeof m);
  EXPECT_EQ(m.magic, IPC_MAGIC);
  EXPECT_EQ(m.type, REQ_INSTALL);
  EXPECT_EQ(m.data.instmsg.req.apiversion, static_cast<unsigned>(SWUPDATE_API_VERSION));
  EXPECT_EQ(m.data.instmsg.req.len, 123456u);
  EXPECT_EQ(m.data.instmsg.req.source, SOURCE_LOCAL);
}

TEST(SwupdateIpc, StatusAnswerKeepsSwupdatesLine) {
  auto reply = decode_ipc_reply(answer(ACK, FAILURE, FAILURE, "ERROR : SW not compatible with hardware"));
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_TRUE(reply->ack);
  EXPECT_EQ(reply->status.current, SwuStatus::Failure);
  EXPECT_EQ(reply->status.desc, "ERROR : SW not compatible with hardware");
}

TEST(SwupdateIpc, UnterminatedLineStopsAtTheFieldsEnd) {
  auto bytes = answer(ACK, RUN, 0, "");
  ipc_message m;
  std::memcpy(&m, bytes.data(), sizeof m);
  std::memset(m.data.status.desc, 'x', sizeof m.data.status.desc);
  std::memcpy(bytes.data(), &m, sizeof m);
  auto reply = decode_ipc_reply(bytes);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status.desc.size(), sizeof m.data.status.desc);
}

TEST(SwupdateIpc, RejectsWrongSizeMagicAndType) {
  auto good = answer(ACK, IDLE, 0, "");
  EXPECT_FALSE(decode_ipc_reply(std::span(good).first(good.size() - 1)));
  auto bad_magic = good;
  bad_magic[0] ^= 0xff;
  EXPECT_FALSE(decode_ipc_reply(bad_magic));
  EXPECT_FALSE(decode_ipc_reply(answer(GET_STATUS, IDLE, 0, "")));
  auto nack = decode_ipc_reply(answer(NACK, IDLE, 0, ""));
  ASSERT_TRUE(nack);
  EXPECT_FALSE(nack->ack);
}

TEST(SwupdateIpc, UpdateStateRoundTrips) {
  const auto set = encode_set_update_state(UpdateState::Testing);
  ipc_message m;
  std::memcpy(&m, set.data(), sizeof m);
  EXPECT_EQ(m.type, SET_UPDATE_STATE);
  EXPECT_EQ(m.data.msg[0], '2');
  auto reply = decode_ipc_reply(answer(ACK, 0, 0, "", '1'));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->state, UpdateState::Installed);
  EXPECT_FALSE(update_state_of('8'));
}

TEST(SwupdateIpc, ProgressPercentCoversAllSteps) {
  progress_msg p;
  std::memset(&p, 0, sizeof p);
  p.status = PROGRESS;
  p.nsteps = 2;
  p.cur_step = 2;
  p.cur_percent = 50;
  std::strcpy(p.cur_image, "rootfs.img");
  std::strcpy(p.hnd_name, "raw");
  std::vector<std::uint8_t> bytes(sizeof p);
  std::memcpy(bytes.data(), &p, sizeof p);
  auto report = decode_progress(bytes);
  ASSERT_TRUE(report) << report.error();
  EXPECT_EQ(report->percent(), 75);
  EXPECT_EQ(report->image, "rootfs.img");
  EXPECT_EQ(report->handler, "raw");
  const int unknown = 99;
  std::memcpy(bytes.data() + offsetof(progress_msg, status), &unknown, sizeof unknown);
  EXPECT_FALSE(decode_progress(bytes));
}

TEST(SwupdateTarget_Cause, SwupdatesWordsMapToCauses) {
  EXPECT_EQ(cause_of_swupdate_error("ERROR : Authentication of all signatures failed; ERROR : Compatible SW not found"),
            dfu::DfuCause::SignatureInvalid);
  EXPECT_EQ(cause_of_swupdate_error("ERROR : SW not compatible with hardware; Image invalid or corrupted."),
            dfu::DfuCause::InvalidUpdate);
  EXPECT_EQ(cause_of_swupdate_error("ERROR : no parser available to parse sw-description!"),
            dfu::DfuCause::InvalidUpdate);
  EXPECT_EQ(cause_of_swupdate_error("ERROR : HASH mismatch : abc <--> def"), dfu::DfuCause::HashMismatch);
  EXPECT_EQ(cause_of_swupdate_error("ERROR : installer crashed"), dfu::DfuCause::BackendFailed);
}

}  // namespace
}  // namespace awsfota::swupdate
