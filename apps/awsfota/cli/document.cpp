#include "cli/document.hpp"

#include <nlohmann/json.hpp>

#include "awsfota/jobs/job_document.hpp"

namespace awsfota::cli {

std::string fwversion_of(const image::ImageVersion& v) {
  std::string s = "v" + std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.revision);
  if (v.build != 0) s += "+" + std::to_string(v.build);
  return s;
}

std::optional<std::string> presigned_placeholder_url(const std::string& text) {
  static const std::string prefix = "${aws:iot:s3-presigned-url:";
  if (text.size() <= prefix.size() + 1 || text.rfind(prefix, 0) != 0 || text.back() != '}') return std::nullopt;
  return text.substr(prefix.size(), text.size() - prefix.size() - 1);
}

Expected<std::string, std::string> build_job_document(const DocumentSpec& spec) {
  using nlohmann::ordered_json;
  ordered_json doc;
  doc["operation"] = spec.operation;
  if (!spec.fwversion.empty()) doc["fwversion"] = spec.fwversion;
  doc["size"] = spec.size;
  doc["sha256"] = spec.sha256;
  ordered_json location;
  if (spec.url) {
    location["url"] = *spec.url;
  } else {
    location["protocol"] = spec.protocol;
    location["host"] = spec.host;
    location["path"] = spec.path;
  }
  doc["location"] = location;

  ordered_json checked = doc;
  if (spec.url)
    if (auto inner = presigned_placeholder_url(*spec.url)) checked["location"]["url"] = *inner;
  auto parsed = jobs::parse_job_document(checked.dump());
  if (!parsed) return unexpected("the document would not be accepted by a device: " + parsed.error().reason);
  if (parsed->size != spec.size || parsed->sha256 != spec.sha256)
    return unexpected(std::string("the document does not read back with the size and sha256 it was given"));
  return doc.dump(2);
}

}  // namespace awsfota::cli
