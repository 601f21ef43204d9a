#include "jobsd/fields.hpp"

#include <cstdint>
#include <cstdio>

namespace awsfota::jobsd {
namespace {

// The next code point of UTF-8 `s` at `i` (advanced past it), or nothing when the bytes are malformed.
std::optional<std::uint32_t> next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length = 0;
  std::uint32_t cp = 0;
  if (lead < 0x80) {
    i += 1;
    return lead;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1Fu;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0Fu;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07u;
  } else {
    return std::nullopt;
  }
  if (i + length > s.size()) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += length;
  return cp;
}

bool in(std::uint32_t cp, std::uint32_t first, std::uint32_t last) { return cp >= first && cp <= last; }

// Cc, Cf and Co, and the noncharacters (Cn in every Unicode version).
bool is_other(std::uint32_t cp) {
  if (cp < 0x20 || in(cp, 0x7F, 0x9F)) return true;  // Cc
  if (cp == 0xAD || in(cp, 0x600, 0x605) || cp == 0x61C || cp == 0x6DD || cp == 0x70F || in(cp, 0x890, 0x891) ||
      cp == 0x8E2 || cp == 0x180E || in(cp, 0x200B, 0x200F) || in(cp, 0x202A, 0x202E) || in(cp, 0x2060, 0x2064) ||
      in(cp, 0x2066, 0x206F) || cp == 0xFEFF || in(cp, 0xFFF9, 0xFFFB) || cp == 0x110BD || cp == 0x110CD ||
      in(cp, 0x13430, 0x1343F) || in(cp, 0x1BCA0, 0x1BCA3) || in(cp, 0x1D173, 0x1D17A) || cp == 0xE0001 ||
      in(cp, 0xE0020, 0xE007F)) {
    return true;  // Cf
  }
  if (in(cp, 0xE000, 0xF8FF) || cp >= 0xF0000) return true;     // Co (planes 15 and 16 are private use)
  if (in(cp, 0xFDD0, 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) return true;  // noncharacters
  return false;
}

std::string hex(std::uint32_t cp) {
  char text[16];
  std::snprintf(text, sizeof text, "U+%04X", static_cast<unsigned>(cp));
  return text;
}

}  // namespace

std::optional<std::string> check_free_text(std::string_view field, std::string_view text) {
  const std::string name(field);
  if (text.empty()) return name + ": must not be empty (leave it out instead)";
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t at = i;
    const auto cp = next_code_point(text, i);
    if (!cp) return name + ": not valid UTF-8 at byte " + std::to_string(at);
    if (is_other(*cp)) {
      return name + ": character " + hex(*cp) + " at byte " + std::to_string(at) +
             " is a control, format or private-use character, which AWS refuses ([^\\p{C}]+)";
    }
    ++characters;
  }
  if (characters > kMaxFreeTextCharacters) {
    return name + ": " + std::to_string(characters) + " characters, more than the 2028 AWS allows";
  }
  return std::nullopt;
}

std::optional<std::string> check_reason_code(std::string_view text) {
  bool ok = !text.empty() && text.size() <= kMaxReasonCodeLength;
  for (const char c : text) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (ok) return std::nullopt;
  return "reasonCode: '" + std::string(text) + "' must be 1..128 of A-Z, 0-9 and _ (AWS's [\\p{Upper}\\p{Digit}_]+)";
}

}  // namespace awsfota::jobsd
