// Checkpoint codec: frame header + JSON body (see the public header for the format).
#include "awsfota/store/checkpoint.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "awsfota/jobs/job_document.hpp"
#include "awsfota/jobs/topics.hpp"

namespace awsfota::store {
namespace {

using nlohmann::json;

constexpr std::string_view kMagic = "AWSFOTA-CHECKPOINT v";

constexpr std::array<std::string_view, 8> kPhaseNames = {
    "claiming", "downloading", "downloaded", "verified", "awaiting_reboot", "trial", "confirming", "reporting"};

std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xedb88320U ^ (c >> 1U) : c >> 1U;
    table[i] = c;
  }
  return table;
}

constexpr std::string_view kMessagePrefix = "checkpoint: ";

Unexpected<CheckpointError> fail(CheckpointErrorCode code, std::string message) {
  return unexpected(CheckpointError{code, std::string(kMessagePrefix) + std::move(message)});
}

template <class T>
std::optional<T> parse_unsigned(std::string_view text, int base = 10) {
  T value{};
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Field readers: each failure names the field, so a damaged-but-CRC-valid body (a bug) is explainable.
struct BodyReader {
  const json& body;
  std::string error;

  const json* field(const char* name, bool required) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
      if (required && error.empty()) error = std::string(name) + ": missing";
      return nullptr;
    }
    return &*it;
  }
  std::optional<std::string> string(const char* name, bool required, std::size_t max_length) {
    const json* v = field(name, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return bad(name, "not a string"), std::nullopt;
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max_length) {
      bad(name, "too long (" + std::to_string(s.size()) + " bytes, at most " + std::to_string(max_length) + ")");
      return std::nullopt;
    }
    return s;
  }
  template <class T>
  std::optional<T> integer(const char* name, bool required) {
    const json* v = field(name, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_integer()) return bad(name, "not an integer"), std::nullopt;
    if constexpr (std::is_signed_v<T>) {
      auto n = v->get<std::int64_t>();
      if (n < 0) return bad(name, "negative"), std::nullopt;
      return static_cast<T>(n);
    } else {
      if (v->is_number_unsigned()) {
        auto n = v->get<std::uint64_t>();
        if (n > std::numeric_limits<T>::max()) return bad(name, "out of range"), std::nullopt;
        return static_cast<T>(n);
      }
      auto n = v->get<std::int64_t>();
      if (n < 0) return bad(name, "negative"), std::nullopt;
      if (static_cast<std::uint64_t>(n) > std::numeric_limits<T>::max()) return bad(name, "out of range"), std::nullopt;
      return static_cast<T>(n);
    }
  }
  void bad(const char* name, std::string_view what) {
    if (error.empty()) error = std::string(name) + ": " + std::string(what);
  }
};

Expected<Checkpoint, CheckpointError> decode_body(std::string_view text) {
  json body = json::parse(text.begin(), text.end(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) return fail(CheckpointErrorCode::Invalid, "body is not a JSON object");
  BodyReader r{body, {}};
  Checkpoint cp;
  cp.job_id = r.string("jobId", true, jobs::kMaxJobIdLength).value_or("");
  if (r.error.empty() && cp.job_id.empty()) r.bad("jobId", "empty");
  cp.version_number = r.integer<std::int64_t>("versionNumber", true).value_or(0);
  cp.execution_number = r.integer<std::int64_t>("executionNumber", false).value_or(0);
  if (auto phase = r.string("phase", true, 32)) {
    if (auto p = parse_checkpoint_phase(*phase)) cp.phase = *p;
    else r.bad("phase", "unknown value");
  }
  cp.url = r.string("url", false, jobs::kMaxStoredUrlLength).value_or("");
  cp.size = r.integer<std::uint64_t>("size", false);
  cp.sha256 = r.string("sha256", false, jobs::kSha256HexLength);
  cp.fw_version = r.string("fwversion", false, jobs::kMaxFwVersionLength);
  cp.committed_offset = r.integer<std::uint64_t>("committedOffset", false).value_or(0);
  cp.total = r.integer<std::uint64_t>("total", false).value_or(0);
  cp.image_kind = r.integer<std::uint32_t>("imageKind", false).value_or(0);
  cp.url_refreshes = r.integer<std::uint32_t>("urlRefreshes", false).value_or(0);
  cp.report_status = r.string("reportStatus", false, 16).value_or("");
  if (const json* details = r.field("reportDetails", false)) {
    if (!details->is_object()) {
      r.bad("reportDetails", "not an object");
    } else {
      for (const auto& [key, value] : details->items()) {
        if (!value.is_string() || key.size() > jobs::kMaxStatusDetailKeyLength ||
            value.get_ref<const std::string&>().size() > jobs::kMaxStatusDetailValueLength) {
          r.bad("reportDetails", "entries must be strings within AWS's statusDetails limits");
          break;
        }
        cp.report_details.emplace(key, value.get<std::string>());
      }
    }
  }
  if (r.error.empty() && cp.phase == CheckpointPhase::Reporting && cp.report_status != "SUCCEEDED" &&
      cp.report_status != "FAILED") {
    r.bad("reportStatus", "must be SUCCEEDED or FAILED in phase reporting");
  }
  if (r.error.empty() && cp.total != 0 && cp.committed_offset > cp.total) r.bad("committedOffset", "beyond total");
  if (!r.error.empty()) return fail(CheckpointErrorCode::Invalid, r.error);
  return cp;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) noexcept {
  static const std::array<std::uint32_t, 256> table = make_crc_table();
  std::uint32_t c = 0xffffffffU;
  for (char ch : bytes) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xffU] ^ (c >> 8U);
  return c ^ 0xffffffffU;
}

std::string_view to_string(CheckpointPhase phase) noexcept {
  auto index = static_cast<std::size_t>(phase);
  return index < kPhaseNames.size() ? kPhaseNames[index] : "unknown";
}

std::optional<CheckpointPhase> parse_checkpoint_phase(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kPhaseNames.size(); ++i) {
    if (kPhaseNames[i] == text) return static_cast<CheckpointPhase>(i);
  }
  return std::nullopt;
}

std::string_view to_string(CheckpointErrorCode code) noexcept {
  switch (code) {
    case CheckpointErrorCode::NotACheckpoint: return "NotACheckpoint";
    case CheckpointErrorCode::UnknownVersion: return "UnknownVersion";
    case CheckpointErrorCode::Corrupt: return "Corrupt";
    case CheckpointErrorCode::Invalid: return "Invalid";
    case CheckpointErrorCode::TooLarge: return "TooLarge";
  }
  return "Unknown";
}

namespace {

std::string encode_frame(const Checkpoint& cp) {
  json body = json::object();
  body["jobId"] = cp.job_id;
  body["versionNumber"] = cp.version_number;
  body["executionNumber"] = cp.execution_number;
  body["phase"] = std::string(to_string(cp.phase));
  if (!cp.url.empty()) body["url"] = cp.url;
  if (cp.size) body["size"] = *cp.size;
  if (cp.sha256) body["sha256"] = *cp.sha256;
  if (cp.fw_version) body["fwversion"] = *cp.fw_version;
  body["committedOffset"] = cp.committed_offset;
  body["total"] = cp.total;
  body["imageKind"] = cp.image_kind;
  body["urlRefreshes"] = cp.url_refreshes;
  if (!cp.report_status.empty()) body["reportStatus"] = cp.report_status;
  if (!cp.report_details.empty()) body["reportDetails"] = cp.report_details;
  std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  std::array<char, 16> crc{};
  std::snprintf(crc.data(), crc.size(), "%08x", crc32(text));
  return std::string(kMagic) + std::to_string(kCheckpointFormatVersion) + " len=" + std::to_string(text.size()) +
         " crc32=" + crc.data() + "\n" + text;
}

}  // namespace

Expected<std::string, CheckpointError> encode_checkpoint(const Checkpoint& cp) {
  std::string bytes = encode_frame(cp);
  // Decoding what was just encoded is what makes "save succeeded" mean "load will succeed": the limits
  // live in one place (the decoder) and a checkpoint is small, so this costs next to nothing.
  auto back = decode_checkpoint(bytes);
  if (!back) {
    return fail(back.error().code, "not stored, it would not read back: " +
                                       back.error().message.substr(kMessagePrefix.size()));
  }
  if (!(*back == cp)) {
    // The only change encoding makes is replacing bytes that are not UTF-8 (JSON text must be).
    return fail(CheckpointErrorCode::Invalid, "not stored, it would not read back as written: a text field is not UTF-8");
  }
  return bytes;
}

Expected<Checkpoint, CheckpointError> decode_checkpoint(std::string_view bytes) {
  if (bytes.size() > kMaxCheckpointBytes) {
    return fail(CheckpointErrorCode::TooLarge, std::to_string(bytes.size()) + " bytes, more than a checkpoint can be");
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return fail(CheckpointErrorCode::NotACheckpoint, "no 'AWSFOTA-CHECKPOINT' header: not written by this library");
  }
  auto newline = bytes.find('\n');
  if (newline == std::string_view::npos) return fail(CheckpointErrorCode::Corrupt, "header line not terminated");
  std::string_view header = bytes.substr(kMagic.size(), newline - kMagic.size());
  std::string_view body = bytes.substr(newline + 1);

  auto space = header.find(' ');
  auto version = parse_unsigned<unsigned>(header.substr(0, space));
  if (!version) return fail(CheckpointErrorCode::Corrupt, "header: unreadable format version");
  if (*version != kCheckpointFormatVersion) {
    return fail(CheckpointErrorCode::UnknownVersion, "format version " + std::to_string(*version) +
                                                         " is not known to this build (knows " +
                                                         std::to_string(kCheckpointFormatVersion) + ")");
  }
  std::string_view rest = space == std::string_view::npos ? std::string_view{} : header.substr(space + 1);
  auto crc_pos = rest.find(" crc32=");
  if (rest.substr(0, 4) != "len=" || crc_pos == std::string_view::npos) {
    return fail(CheckpointErrorCode::Corrupt, "header: expected 'len=N crc32=X'");
  }
  auto length = parse_unsigned<std::size_t>(rest.substr(4, crc_pos - 4));
  auto crc_text = rest.substr(crc_pos + 7);
  auto crc = crc_text.size() == 8 ? parse_unsigned<std::uint32_t>(crc_text, 16) : std::nullopt;
  if (!length || !crc) return fail(CheckpointErrorCode::Corrupt, "header: unreadable length or crc32");
  if (*length != body.size()) {
    return fail(CheckpointErrorCode::Corrupt, "body is " + std::to_string(body.size()) + " bytes, header says " +
                                                  std::to_string(*length) + " (torn write?)");
  }
  if (crc32(body) != *crc) return fail(CheckpointErrorCode::Corrupt, "crc32 mismatch (file damaged)");
  return decode_body(body);
}

}  // namespace awsfota::store
