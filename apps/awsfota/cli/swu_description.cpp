#include "cli/swu_description.hpp"

#include <algorithm>
#include <cctype>

namespace awsfota::cli {

namespace {

constexpr std::size_t kCpioHeader = 110;       // 6 magic characters, 13 fields of 8 hex digits
constexpr std::size_t kFileSizeField = 54;     // c_filesize
constexpr std::size_t kNameSizeField = 94;     // c_namesize
constexpr std::size_t kMaxDescription = 1 << 20;

std::optional<std::uint32_t> hex_field(std::span<const std::uint8_t> header, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = at; i < at + 8; ++i) {
    const char c = static_cast<char>(header[i]);
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    const int digit = c <= '9' ? c - '0' : (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  return value;
}

std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

// The end of a quoted string starting at `at` (at the quote), or npos.
std::size_t string_end(std::string_view text, std::size_t at) {
  const char quote = text[at];
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      return i;
    }
  }
  return std::string_view::npos;
}

// After `version` (and its closing quote in JSON): `=` or `:`, then a quoted value.
std::optional<std::string> value_after(std::string_view text, std::size_t at) {
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
  if (at >= text.size() || (text[at] != '=' && text[at] != ':')) return std::nullopt;
  ++at;
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
  if (at >= text.size() || text[at] != '"') return std::nullopt;
  const std::size_t end = string_end(text, at);
  if (end == std::string_view::npos) return std::nullopt;
  std::string value(text.substr(at + 1, end - at - 1));
  if (value.empty() || std::any_of(value.begin(), value.end(), [](char c) { return c == '\n' || c == '\r'; })) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

Expected<std::string, std::string> read_sw_description(std::span<const std::uint8_t> swu) {
  if (swu.size() < kCpioHeader) return unexpected(std::string("shorter than a cpio header"));
  const std::string_view magic(reinterpret_cast<const char*>(swu.data()), 6);
  if (magic != "070701" && magic != "070702") {
    return unexpected(std::string("not a cpio archive in SWUpdate's formats (newc 070701 or crc 070702)"));
  }
  const auto file_size = hex_field(swu, kFileSizeField);
  const auto name_size = hex_field(swu, kNameSizeField);
  if (!file_size || !name_size) return unexpected(std::string("the first cpio header has a field that is not hexadecimal"));
  if (*name_size == 0 || *name_size > 4096) return unexpected(std::string("the first cpio entry's name size is out of range"));
  if (kCpioHeader + *name_size > swu.size()) return unexpected(std::string("the first cpio entry's name runs past the file"));
  std::string_view name(reinterpret_cast<const char*>(swu.data()) + kCpioHeader, *name_size - 1);
  if (name != "sw-description") {
    return unexpected("the first cpio entry is \"" + std::string(name.substr(0, 64)) +
                      "\", and SWUpdate needs sw-description first");
  }
  if (*file_size > kMaxDescription) return unexpected(std::string("sw-description is larger than 1 MiB"));
  const std::size_t data_at = align4(kCpioHeader + *name_size);
  if (data_at > swu.size() || swu.size() - data_at < *file_size) {
    return unexpected(std::string("sw-description runs past the end of the file"));
  }
  return std::string(reinterpret_cast<const char*>(swu.data()) + data_at, *file_size);
}

std::optional<std::string> sw_description_version(std::string_view text) {
  std::optional<std::string> best;
  int best_depth = 0;
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) {
      const std::size_t eol = text.find('\n', i);
      if (eol == std::string_view::npos) break;
      i = eol;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const std::size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 1;
    } else if (c == '{' || c == '(' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ')' || c == ']') {
      --depth;
    } else if (c == '"') {
      const std::size_t end = string_end(text, i);
      if (end == std::string_view::npos) break;
      // JSON: a key "version".
      if (text.substr(i + 1, end - i - 1) == "version" && (!best || depth < best_depth)) {
        if (auto v = value_after(text, end + 1)) {
          best = std::move(v);
          best_depth = depth;
        }
      }
      i = end;
    } else if (text.substr(i, 7) == "version" && (i == 0 || !name_char(text[i - 1])) &&
               (i + 7 >= text.size() || !name_char(text[i + 7]))) {
      if (!best || depth < best_depth) {
        if (auto v = value_after(text, i + 7)) {
          best = std::move(v);
          best_depth = depth;
        }
      }
      i += 6;
    }
  }
  return best;
}

}  // namespace awsfota::cli
