// Private to the jobs layer: reading fields of untrusted JSON with error messages that name the field.
//
// The readers throw FieldError; every public entry point of the layer catches it and turns it into its
// own error value, so no exception leaves the library. Throwing here keeps each decoder a flat list of
// field reads instead of a ladder of early returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "awsfota/jobs/messages.hpp"

namespace awsfota::jobs::detail {

using Json = nlohmann::json;

enum class FieldProblem { Missing, WrongType, InvalidValue };

struct FieldError {
  FieldProblem problem = FieldProblem::InvalidValue;
  std::string path;    // "execution.versionNumber"; empty for the whole payload
  std::string detail;  // "expected an integer, got string"

  // "execution.versionNumber: expected an integer, got string"
  [[nodiscard]] std::string message() const;
};

[[noreturn]] void fail(FieldProblem problem, std::string path, std::string detail);

// Nesting deeper than this is refused before parsing: nlohmann's dump() and destructor recurse.
inline constexpr std::size_t kMaxJsonDepth = 64;
// Integers that must survive a trip through any JSON implementation (2^53 - 1); versions, execution
// numbers and timestamps never come near it, and it keeps `version + 1` free of overflow.
inline constexpr std::int64_t kMaxSafeInteger = 9007199254740991;

// Parses `text` as JSON. On failure returns nothing and sets `why` to a readable reason
// ("not valid JSON: syntax error at line 1, column 14 ...").
[[nodiscard]] std::optional<Json> parse_json(std::string_view text, std::string& why);

// Compact serialization; never throws (invalid UTF-8 in caller-made strings is replaced).
[[nodiscard]] std::string dump_compact(const Json& value);

// Characters of UTF-8 text (code points), which is what AWS's limits count.
[[nodiscard]] std::size_t utf8_length(std::string_view text) noexcept;

// "string", "object", "array", "boolean", "null", "an integer", "the number 1.5".
[[nodiscard]] std::string describe(const Json& value);
[[nodiscard]] std::string join_path(std::string_view parent, std::string_view key);

struct IntRange {
  std::int64_t min = 0;
  std::int64_t max = kMaxSafeInteger;
};

// Reads the fields of one JSON object. A field whose value is null counts as absent.
class ObjectReader {
 public:
  // Fails (WrongType) when `value` is not an object.
  ObjectReader(const Json& value, std::string path);

  [[nodiscard]] const Json* find(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return find(key) != nullptr; }
  [[nodiscard]] std::string path_of(std::string_view key) const { return join_path(path_, key); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const Json& json() const noexcept { return object_; }

  [[nodiscard]] const Json& required(std::string_view key) const;
  [[nodiscard]] std::string required_string(std::string_view key) const;
  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key) const;
  [[nodiscard]] std::int64_t required_int(std::string_view key, IntRange range = {}) const;
  [[nodiscard]] std::optional<std::int64_t> optional_int(std::string_view key, IntRange range = {}) const;
  // An integer, or a string holding only decimal digits (the reference's `"expectedVersion": "3"`).
  [[nodiscard]] std::optional<std::int64_t> optional_int_or_numeric_string(std::string_view key,
                                                                           IntRange range = {}) const;
  [[nodiscard]] bool optional_bool(std::string_view key, bool fallback) const;
  [[nodiscard]] ObjectReader object(std::string_view key) const;  // required
  [[nodiscard]] std::optional<ObjectReader> optional_object(std::string_view key) const;

 private:
  const Json& object_;
  std::string path_;
};

// Checks an integer already known to be a JSON number against `range`; `path` names it in errors.
[[nodiscard]] std::int64_t to_int(const Json& value, const std::string& path, IntRange range);

// Reads a statusDetails map and checks AWS's key and value rules.
[[nodiscard]] StatusDetails read_status_details(const Json& value, const std::string& path);
// A required job id field, checked against AWS's rules.
[[nodiscard]] std::string read_job_id(const ObjectReader& reader, std::string_view key);
[[nodiscard]] JobStatus read_status(const Json& value, const std::string& path);

}  // namespace awsfota::jobs::detail
