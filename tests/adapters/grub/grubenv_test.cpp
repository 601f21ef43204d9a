// The grubenv codec: round trips, GRUB's escaping, the size limit, and a clear error for each kind of
// bad block.
#include <gtest/gtest.h>

#include <string>

#include "awsfota/adapters/grub/grubenv.hpp"

namespace awsfota::grub {
namespace {

std::string block_of(const std::string& lines, std::size_t size = kGrubEnvDefaultSize) {
  std::string out = std::string(kGrubEnvSignature) + lines;
  out.resize(size, '#');
  return out;
}

// The signature and `rest`, unpadded (appended: GCC 12 warns wrongly on string + literal here).
std::string signed_text(std::string_view rest) {
  std::string out(kGrubEnvSignature);
  out.append(rest);
  return out;
}

std::string decode_error(const std::string& block) {
  auto env = decode_grubenv(block);
  EXPECT_FALSE(env.has_value()) << "decoded a bad block";
  return env ? std::string() : env.error();
}

TEST(GrubEnv, EmptyBlockOfGrubEditenvCreateHasNoVariables) {
  auto env = decode_grubenv(block_of(""));
  ASSERT_TRUE(env) << env.error();
  EXPECT_TRUE(env->variables().empty());
}

TEST(GrubEnv, RoundTripKeepsOrderAndValues) {
  GrubEnv env;
  env.set("ORDER", "B A");
  env.set("A_OK", "1");
  env.set("saved_entry", "gnulinux-simple");
  env.set("odd", "back\\slash\nnew line = and # too");
  env.set("empty", "");
  auto block = encode_grubenv(env);
  ASSERT_TRUE(block) << block.error();
  EXPECT_EQ(block->size(), kGrubEnvDefaultSize);
  auto back = decode_grubenv(*block);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, env);
  EXPECT_EQ(back->variables()[0].first, "ORDER");
  EXPECT_EQ(back->get("odd"), "back\\slash\nnew line = and # too");
}

TEST(GrubEnv, EncodesAsGrubDoesEscapingBackslashAndNewline) {
  GrubEnv env;
  env.set("X", "a\\b\nc");
  auto block = encode_grubenv(env, 64);
  ASSERT_TRUE(block) << block.error();
  EXPECT_EQ(block->substr(0, kGrubEnvSignature.size() + 10), signed_text("X=a\\\\b\\\nc\n"));
  EXPECT_EQ(block->find_first_not_of('#', kGrubEnvSignature.size() + 10), std::string::npos) << "padded with '#'";
}

TEST(GrubEnv, SetReplacesInPlaceAndEraseRemoves) {
  GrubEnv env;
  env.set("A", "1");
  env.set("B", "2");
  env.set("A", "3");
  env.erase("B");
  env.erase("missing");
  ASSERT_EQ(env.variables().size(), 1U);
  EXPECT_EQ(env.get("A"), "3");
  EXPECT_FALSE(env.get("B"));
}

TEST(GrubEnv, FillsExactly1024BytesAndRefusesOneMore) {
  const std::size_t room = kGrubEnvDefaultSize - kGrubEnvSignature.size() - std::string("V=\n").size();
  GrubEnv env;
  env.set("V", std::string(room, 'x'));
  auto full = encode_grubenv(env);
  ASSERT_TRUE(full) << full.error();
  EXPECT_EQ(full->back(), '\n') << "no padding left";
  auto back = decode_grubenv(*full);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->get("V")->size(), room);

  env.set("V", std::string(room + 1, 'x'));
  auto over = encode_grubenv(env);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error(), "grubenv: the variables take 1025 bytes, more than the block's 1024");
}

TEST(GrubEnv, EscapesCountTowardTheSize) {
  GrubEnv env;
  env.set("V", std::string(600, '\\'));  // 1200 bytes once escaped
  auto block = encode_grubenv(env);
  ASSERT_FALSE(block);
  EXPECT_NE(block.error().find("more than the block's 1024"), std::string::npos) << block.error();
}

TEST(GrubEnv, KeepsAnotherBlockSize) {
  GrubEnv env;
  env.set("A", "1");
  auto block = encode_grubenv(env, 4096);
  ASSERT_TRUE(block) << block.error();
  EXPECT_EQ(block->size(), 4096U);
  EXPECT_EQ(decode_grubenv(*block)->get("A"), "1");
}

TEST(GrubEnv, EncodeRefusesNamesGrubCannotStoreAndNulInValues) {
  for (const char* name : {"", "A=B", "#A", "new\nline", "back\\slash"}) {
    GrubEnv env;
    env.set(name, "1");
    auto block = encode_grubenv(env);
    ASSERT_FALSE(block) << "name accepted: " << name;
    EXPECT_NE(block.error().find("invalid variable name"), std::string::npos) << block.error();
  }
  GrubEnv env;
  env.set("V", std::string("a\0b", 3));
  auto block = encode_grubenv(env);
  ASSERT_FALSE(block);
  EXPECT_EQ(block.error(), "grubenv: variable V: a NUL byte in its value (GRUB ends a value there)");
}

TEST(GrubEnv, DecodeSkipsCommentLinesAsGrubDoes) {
  auto env = decode_grubenv(block_of("# a comment\nA=1\n#another = not a variable\nB=2\n"));
  ASSERT_TRUE(env) << env.error();
  ASSERT_EQ(env->variables().size(), 2U);
  EXPECT_EQ(env->get("B"), "2");
}

TEST(GrubEnv, DecodeNamesWhatIsWrong) {
  EXPECT_EQ(decode_error(""), "grubenv: does not start with the line \"# GRUB Environment Block\" (0 bytes starting \"\")");
  EXPECT_EQ(decode_error("# GRUB Environment Blok\n####"),
            "grubenv: does not start with the line \"# GRUB Environment Block\" (28 bytes starting \"# GRUB Environment "
            "Blok\\x0a####\")");
  EXPECT_EQ(decode_error(block_of("A=1\njunk\n")), "grubenv: offset 29: a line without '=' (\"junk\")");
  EXPECT_EQ(decode_error(block_of("=1\n")), "grubenv: offset 25: invalid variable name \"\"");
  EXPECT_EQ(decode_error(block_of("A=1\nA=2\n")), "grubenv: offset 29: variable A is set twice");
  EXPECT_EQ(decode_error(signed_text("A=no newline")),
            "grubenv: offset 25: variable A: its value runs to the end of the block (no newline)");
  EXPECT_EQ(decode_error(signed_text("A=x\\")), "grubenv: offset 28: variable A: a backslash ends the block");
  EXPECT_EQ(decode_error(block_of(std::string("A=x\0y\n", 6))), "grubenv: offset 28: variable A: a NUL byte in its value");
  EXPECT_EQ(decode_error(std::string(kGrubEnvMaxSize + 1, '#')),
            "grubenv: 65537 bytes, more than the 65536 an environment block may have here");
}

TEST(GrubEnv, DecodeOfZeroedBlockAfterTheSignatureIsAnError) {
  std::string block = block_of("");
  std::fill(block.begin() + static_cast<std::ptrdiff_t>(kGrubEnvSignature.size()), block.end(), '\0');
  EXPECT_NE(decode_error(block).find("a line without '='"), std::string::npos);
}

}  // namespace
}  // namespace awsfota::grub
