#include "jobs/json_reader.hpp"

#include "awsfota/jobs/topics.hpp"

#include <limits>
#include <utility>

namespace awsfota::jobs::detail {

namespace {

// Depth of [ and { nesting outside strings; stops counting once past `limit`.
std::size_t nesting_depth(std::string_view text, std::size_t limit) noexcept {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) {
          return deepest;
        }
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; a person needs only the rest.
std::string strip_exception_tag(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    const auto end = what.find("] ");
    if (end != std::string_view::npos) {
      what.remove_prefix(end + 2);
    }
  }
  return std::string(what);
}

bool is_status_detail_key_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '_' || c == '-';
}

// AWS refuses values with Unicode "other" characters; control characters are the ones a device can
// produce by accident (a newline in an error text), so those are caught here.
bool has_control_character(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) {
      return true;
    }
    // U+0080..U+009F are encoded as C2 80..C2 9F.
    if (byte == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::string FieldError::message() const {
  if (path.empty()) {
    return detail;
  }
  return path + ": " + detail;
}

void fail(FieldProblem problem, std::string path, std::string detail) {
  throw FieldError{problem, std::move(path), std::move(detail)};
}

std::optional<Json> parse_json(std::string_view text, std::string& why) {
  if (nesting_depth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    why = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return std::nullopt;
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    why = "not valid JSON: " + strip_exception_tag(e.what());
    return std::nullopt;
  }
}

std::string dump_compact(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::size_t utf8_length(std::string_view text) noexcept {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0U) != 0x80U) {
      ++count;
    }
  }
  return count;
}

std::string describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    // Out-of-range integers arrive as floats too; showing the number explains either case.
    case Json::value_t::number_float: return "the number " + value.dump();
    case Json::value_t::binary:
    case Json::value_t::discarded: break;
  }
  return "an unsupported value";
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  std::string path(parent);
  path += '.';
  path += key;
  return path;
}

std::int64_t to_int(const Json& value, const std::string& path, IntRange range) {
  if (!value.is_number_integer()) {
    fail(FieldProblem::WrongType, path, "expected an integer, got " + describe(value));
  }
  std::int64_t number = 0;
  if (value.is_number_unsigned()) {
    const auto unsigned_number = value.get<std::uint64_t>();
    if (unsigned_number > static_cast<std::uint64_t>(range.max)) {
      fail(FieldProblem::InvalidValue, path,
           std::to_string(unsigned_number) + " is out of range (at most " + std::to_string(range.max) + ")");
    }
    number = static_cast<std::int64_t>(unsigned_number);
  } else {
    number = value.get<std::int64_t>();
  }
  if (number < range.min || number > range.max) {
    fail(FieldProblem::InvalidValue, path,
         std::to_string(number) + " is out of range (" + std::to_string(range.min) + " to " +
             std::to_string(range.max) + ")");
  }
  return number;
}

ObjectReader::ObjectReader(const Json& value, std::string path) : object_(value), path_(std::move(path)) {
  if (!object_.is_object()) {
    fail(FieldProblem::WrongType, path_, "expected an object, got " + describe(object_));
  }
}

const Json* ObjectReader::find(std::string_view key) const {
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

const Json& ObjectReader::required(std::string_view key) const {
  const Json* value = find(key);
  if (value == nullptr) {
    fail(FieldProblem::Missing, path_of(key), "required field is missing");
  }
  return *value;
}

std::string ObjectReader::required_string(std::string_view key) const {
  const Json& value = required(key);
  if (!value.is_string()) {
    fail(FieldProblem::WrongType, path_of(key), "expected a string, got " + describe(value));
  }
  return value.get<std::string>();
}

std::optional<std::string> ObjectReader::optional_string(std::string_view key) const {
  if (!has(key)) {
    return std::nullopt;
  }
  return required_string(key);
}

std::int64_t ObjectReader::required_int(std::string_view key, IntRange range) const {
  return to_int(required(key), path_of(key), range);
}

std::optional<std::int64_t> ObjectReader::optional_int(std::string_view key, IntRange range) const {
  if (!has(key)) {
    return std::nullopt;
  }
  return required_int(key, range);
}

std::optional<std::int64_t> ObjectReader::optional_int_or_numeric_string(std::string_view key,
                                                                         IntRange range) const {
  const Json* value = find(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_string()) {
    return to_int(*value, path_of(key), range);
  }
  const auto& text = value->get_ref<const std::string&>();
  constexpr std::size_t kMaxDigits = 16;  // enough for kMaxSafeInteger, and no overflow below
  bool digits_only = !text.empty() && text.size() <= kMaxDigits;
  std::int64_t number = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      digits_only = false;
      break;
    }
    number = number * 10 + (c - '0');
  }
  if (!digits_only) {
    fail(FieldProblem::WrongType, path_of(key),
         "expected an integer or a quoted integer, got the string \"" + text.substr(0, 32) + "\"");
  }
  return to_int(Json(number), path_of(key), range);
}

bool ObjectReader::optional_bool(std::string_view key, bool fallback) const {
  const Json* value = find(key);
  if (value == nullptr) {
    return fallback;
  }
  if (!value->is_boolean()) {
    fail(FieldProblem::WrongType, path_of(key), "expected true or false, got " + describe(*value));
  }
  return value->get<bool>();
}

ObjectReader ObjectReader::object(std::string_view key) const {
  return ObjectReader(required(key), path_of(key));
}

std::optional<ObjectReader> ObjectReader::optional_object(std::string_view key) const {
  if (!has(key)) {
    return std::nullopt;
  }
  return object(key);
}

StatusDetails read_status_details(const Json& value, const std::string& path) {
  if (!value.is_object()) {
    fail(FieldProblem::WrongType, path, "expected an object of strings, got " + describe(value));
  }
  StatusDetails details;
  for (const auto& [key, item] : value.items()) {
    const std::string item_path = path + "[\"" + key.substr(0, 32) + "\"]";
    if (!item.is_string()) {
      fail(FieldProblem::WrongType, item_path, "expected a string, got " + describe(item));
    }
    details.emplace(key, item.get<std::string>());
  }
  if (auto valid = validate_status_details(details); !valid) {
    fail(FieldProblem::InvalidValue, path, valid.error().message);
  }
  return details;
}

std::string read_job_id(const ObjectReader& reader, std::string_view key) {
  std::string id = reader.required_string(key);
  if (!is_valid_job_id(id)) {
    fail(FieldProblem::InvalidValue, reader.path_of(key),
         "\"" + id.substr(0, 80) + "\" is not a job id (1 to 64 of letters, digits, '_' and '-')");
  }
  return id;
}

JobStatus read_status(const Json& value, const std::string& path) {
  if (!value.is_string()) {
    fail(FieldProblem::WrongType, path, "expected a status string, got " + describe(value));
  }
  const auto& text = value.get_ref<const std::string&>();
  const auto status = parse_job_status(text);
  if (!status) {
    fail(FieldProblem::InvalidValue, path,
         "unknown status \"" + text.substr(0, 32) +
             "\" (expected QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED or CANCELED)");
  }
  return *status;
}

}  // namespace awsfota::jobs::detail

namespace awsfota::jobs {

Expected<void, DecodeError> validate_status_details(const StatusDetails& details) {
  for (const auto& [key, value] : details) {
    const std::string shown_key = "\"" + key.substr(0, 32) + (key.size() > 32 ? "...\"" : "\"");
    if (key.empty()) {
      return unexpected(DecodeError{"a key is empty (keys are 1 to 128 characters)"});
    }
    if (key.size() > kMaxStatusDetailKeyLength) {
      return unexpected(DecodeError{"key " + shown_key + " is " + std::to_string(key.size()) +
                                    " characters long (at most " + std::to_string(kMaxStatusDetailKeyLength) +
                                    ")"});
    }
    for (const char c : key) {
      if (!detail::is_status_detail_key_char(c)) {
        return unexpected(DecodeError{"key " + shown_key +
                                      " has a character other than letters, digits, ':', '_' and '-'"});
      }
    }
    const std::size_t length = detail::utf8_length(value);
    if (length == 0) {
      return unexpected(DecodeError{"the value of key " + shown_key + " is empty (values are 1 to 1024 characters)"});
    }
    if (length > kMaxStatusDetailValueLength) {
      return unexpected(DecodeError{"the value of key " + shown_key + " is " + std::to_string(length) +
                                    " characters long (at most " +
                                    std::to_string(kMaxStatusDetailValueLength) + ")"});
    }
    if (detail::has_control_character(value)) {
      return unexpected(DecodeError{"the value of key " + shown_key + " has a control character"});
    }
  }
  return {};
}

bool is_valid_client_token(std::string_view token) noexcept {
  return detail::utf8_length(token) <= kMaxClientTokenLength;
}

}  // namespace awsfota::jobs
