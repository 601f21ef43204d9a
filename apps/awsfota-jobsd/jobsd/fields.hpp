// AWS's rules for the free-text fields of the control plane (botocore iot 2015-05-28):
//   description, comment   JobDescription / Comment: at most 2028 characters of [^\p{C}]+
//   reasonCode             ReasonCode: at most 128 of [\p{Upper}\p{Digit}_]+ (Java's classes: A-Z, 0-9)
// Each check returns why the text breaks the rule, naming the field, or nothing when it is fine.
//
//   check_free_text("comment", "line\nbreak")  // "comment: character U+000A at 5 is a control or format character ..."
//   check_reason_code("ops_1")                  // "reasonCode: 'ops_1' must be 1..128 of A-Z, 0-9 and _"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace awsfota::jobsd {

inline constexpr std::size_t kMaxFreeTextCharacters = 2028;
inline constexpr std::size_t kMaxReasonCodeLength = 128;

// \p{C} is Unicode's "other" category: controls, format characters, surrogates, private use and
// unassigned code points. Checked here: controls, the format characters, private use, noncharacters
// and malformed UTF-8 (unassigned code points need Unicode's tables and pass).
[[nodiscard]] std::optional<std::string> check_free_text(std::string_view field, std::string_view text);
[[nodiscard]] std::optional<std::string> check_reason_code(std::string_view text);

}  // namespace awsfota::jobsd
