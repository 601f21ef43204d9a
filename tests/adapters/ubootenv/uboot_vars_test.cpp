// The U-Boot backend's rules without any environment: what RAUC's variables plus AWSFOTA_TRIAL say
// about the boot (status_of) and how each BootControl call rewrites them (docs/boot.md's table).
#include <gtest/gtest.h>

#include <map>

#include "awsfota/adapters/ubootenv/uboot_vars.hpp"

namespace awsfota::ubootenv {
namespace {

using dfu::BootState;
using dfu::Slot;

UBootVars vars(std::vector<Slot> order, unsigned a, unsigned b, std::optional<Slot> trial = std::nullopt) {
  UBootVars v;
  v.order = std::move(order);
  v.left = {a, b};
  v.trial = trial;
  return v;
}

Expected<UBootVars, dfu::BootError> parse(const std::map<std::string, std::string, std::less<>>& env) {
  return parse_uboot_vars([&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

TEST(UBootVars, ParsesRaucVariablesAndTheTrialNote) {
  auto v = parse({{"BOOT_ORDER", "B A"}, {"BOOT_A_LEFT", "3"}, {"BOOT_B_LEFT", "1"}, {"AWSFOTA_TRIAL", "B"}});
  ASSERT_TRUE(v) << v.error().reason;
  EXPECT_EQ(*v, vars({Slot::B, Slot::A}, 3, 1, Slot::B));
  // A slot U-Boot never tries may lack its count.
  auto one = parse({{"BOOT_ORDER", "A"}, {"BOOT_A_LEFT", "2"}});
  ASSERT_TRUE(one) << one.error().reason;
  EXPECT_EQ(*one, vars({Slot::A}, 2, 0));
}

TEST(UBootVars, RejectsBadValuesNamingTheVariable) {
  const std::vector<std::pair<std::map<std::string, std::string, std::less<>>, std::string>> cases{
      {{{"BOOT_A_LEFT", "3"}}, "BOOT_ORDER is not set"},
      {{{"BOOT_ORDER", "A C"}, {"BOOT_A_LEFT", "3"}}, "BOOT_ORDER=\"A C\": \"C\" is not a slot"},
      {{{"BOOT_ORDER", "A A"}, {"BOOT_A_LEFT", "3"}}, "BOOT_ORDER=\"A A\": slot A is listed twice"},
      {{{"BOOT_ORDER", "   "}}, "BOOT_ORDER=\"   \": names no slot"},
      {{{"BOOT_ORDER", "system0 system1"}}, "\"system0\" is not a slot"},
      {{{"BOOT_ORDER", "A B"}, {"BOOT_A_LEFT", "3"}}, "BOOT_B_LEFT is not set but BOOT_ORDER=\"A B\" lists slot B"},
      {{{"BOOT_ORDER", "A"}, {"BOOT_A_LEFT", "12"}}, "BOOT_A_LEFT=\"12\": expected a count of attempts 0..9"},
      {{{"BOOT_ORDER", "A"}, {"BOOT_A_LEFT", "-1"}}, "BOOT_A_LEFT=\"-1\""},
      {{{"BOOT_ORDER", "A"}, {"BOOT_A_LEFT", "3"}, {"BOOT_B_LEFT", "x"}}, "BOOT_B_LEFT=\"x\""},
      {{{"BOOT_ORDER", "A"}, {"BOOT_A_LEFT", "3"}, {"AWSFOTA_TRIAL", "C"}}, "AWSFOTA_TRIAL=\"C\": expected A or B"},
  };
  for (const auto& [env, expected] : cases) {
    auto v = parse(env);
    ASSERT_FALSE(v) << expected;
    EXPECT_EQ(v.error().code, dfu::BootErrorCode::Corrupt);
    EXPECT_NE(v.error().reason.find(expected), std::string::npos) << v.error().reason;
  }
}

TEST(UBootVars, StatusFollowsTheSlotTheKernelWasToldAbout) {
  struct Case {
    UBootVars vars;
    Slot running;
    BootState state;
    Slot confirmed;
    std::optional<Slot> reverted_from;
    bool reverted_this_boot;
  };
  const std::vector<Case> cases{
      {vars({Slot::A}, 3, 0), Slot::A, BootState::Confirmed, Slot::A, std::nullopt, false},
      {vars({Slot::A, Slot::B}, 3, 3), Slot::B, BootState::Confirmed, Slot::B, std::nullopt, false},  // RAUC's own fallback
      {vars({Slot::B, Slot::A}, 3, 1, Slot::B), Slot::A, BootState::TrialPending, Slot::A, std::nullopt, false},
      {vars({Slot::B, Slot::A}, 3, 0, Slot::B), Slot::B, BootState::Trial, Slot::A, std::nullopt, false},
      {vars({Slot::A}, 3, 0, Slot::B), Slot::B, BootState::RevertPending, Slot::A, Slot::B, false},
      // U-Boot fell back: the trial's attempt is spent, the other slot runs.
      {vars({Slot::B, Slot::A}, 2, 0, Slot::B), Slot::A, BootState::Confirmed, Slot::A, Slot::B, true},
      // The same after the agent marked A good: still reported until acknowledged.
      {vars({Slot::A}, 3, 0, Slot::B), Slot::A, BootState::Confirmed, Slot::A, Slot::B, false},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const auto s = status_of(c.vars, c.running);
    EXPECT_EQ(s.active, c.running) << i;
    EXPECT_EQ(s.state, c.state) << i;
    EXPECT_EQ(s.confirmed, c.confirmed) << i;
    EXPECT_EQ(s.reverted_from, c.reverted_from) << i;
    EXPECT_EQ(s.reverted_this_boot, c.reverted_this_boot) << i;
  }
}

TEST(UBootVars, TrialGivesTheNewSlotOneBootFirstInLine) {
  auto next = with_trial_requested(vars({Slot::A}, 2, 0), Slot::A, Slot::B);
  ASSERT_TRUE(next) << next.error().reason;
  EXPECT_EQ(*next, vars({Slot::B, Slot::A}, 3, 1, Slot::B));
  EXPECT_EQ(status_of(*next, Slot::A).state, BootState::TrialPending);

  auto same = with_trial_requested(vars({Slot::A}, 3, 0), Slot::A, Slot::A);
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().code, dfu::BootErrorCode::InvalidRequest);
  auto busy = with_trial_requested(vars({Slot::B, Slot::A}, 3, 0, Slot::B), Slot::B, Slot::A);
  ASSERT_FALSE(busy);
  EXPECT_NE(busy.error().reason.find("a trial is running unconfirmed"), std::string::npos);
  // A new trial replaces an old revert's note.
  auto after_revert = with_trial_requested(vars({Slot::A}, 3, 0, Slot::B), Slot::A, Slot::B);
  ASSERT_TRUE(after_revert);
  EXPECT_EQ(status_of(*after_revert, Slot::A).reverted_from, std::nullopt);
}

TEST(UBootVars, ConfirmMakesTheTrialTheOnlySlotAndMarksAConfirmedSlotGood) {
  EXPECT_EQ(with_confirmed(vars({Slot::B, Slot::A}, 3, 0, Slot::B), Slot::B), vars({Slot::B}, 0, 3));
  EXPECT_EQ(with_confirmed(vars({Slot::A, Slot::B}, 1, 3), Slot::A), vars({Slot::A}, 3, 0));
  // After U-Boot's fallback the note stays for the engine to report.
  EXPECT_EQ(with_confirmed(vars({Slot::B, Slot::A}, 2, 0, Slot::B), Slot::A), vars({Slot::A}, 3, 0, Slot::B));
  // A pending trial or a pending revert is left alone.
  const auto pending = vars({Slot::B, Slot::A}, 3, 1, Slot::B);
  EXPECT_EQ(with_confirmed(pending, Slot::A), pending);
  const auto rejected = vars({Slot::A}, 3, 0, Slot::B);
  EXPECT_EQ(with_confirmed(rejected, Slot::B), rejected);
}

TEST(UBootVars, RevertDropsAPendingTrialOrSendsTheNextBootBack) {
  EXPECT_EQ(with_reverted(vars({Slot::B, Slot::A}, 3, 1, Slot::B), Slot::A), vars({Slot::A}, 3, 0));
  const auto rejected = with_reverted(vars({Slot::B, Slot::A}, 3, 0, Slot::B), Slot::B);
  EXPECT_EQ(rejected, vars({Slot::A}, 3, 0, Slot::B));
  EXPECT_EQ(status_of(rejected, Slot::B).state, BootState::RevertPending);
  const auto back = status_of(rejected, Slot::A);
  EXPECT_EQ(back.state, BootState::Confirmed);
  EXPECT_EQ(back.reverted_from, Slot::B);
  EXPECT_EQ(with_reverted(vars({Slot::A}, 3, 0), Slot::A), vars({Slot::A}, 3, 0));
}

TEST(UBootVars, AcknowledgeForgetsTheRevertOnlyOnceBack) {
  EXPECT_EQ(with_revert_acknowledged(vars({Slot::B, Slot::A}, 2, 0, Slot::B), Slot::A), vars({Slot::A}, 3, 0));
  const auto still_on_trial = vars({Slot::A}, 3, 0, Slot::B);
  EXPECT_EQ(with_revert_acknowledged(still_on_trial, Slot::B), still_on_trial);
  const auto pending = vars({Slot::B, Slot::A}, 3, 1, Slot::B);
  EXPECT_EQ(with_revert_acknowledged(pending, Slot::A), pending);
}

TEST(UBootVars, EnvValuesRoundTrip) {
  const auto v = vars({Slot::B, Slot::A}, 3, 1, Slot::B);
  std::map<std::string, std::string, std::less<>> env;
  for (const auto& [name, value] : env_values(v)) {
    if (value) env[name] = *value;
  }
  EXPECT_EQ(env.at("BOOT_ORDER"), "B A");
  auto back = parse(env);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, v);
  const auto none = env_values(vars({Slot::A}, 3, 0));
  EXPECT_FALSE(none.back().second.has_value());  // AWSFOTA_TRIAL unset, not ""
}

}  // namespace
}  // namespace awsfota::ubootenv
