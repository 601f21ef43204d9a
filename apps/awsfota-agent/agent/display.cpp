#include "agent/display.hpp"

#include <algorithm>

namespace awsfota::agent {

namespace {

std::string details(const fota::Event& e) {
  using fota::EventKind;
  switch (e.kind) {
    case EventKind::DlProgress: return std::to_string(e.percent) + "%";
    case EventKind::InstallProgress: return std::to_string(e.percent) + "% " + e.message;
    case EventKind::Error: return std::string(fota::to_string(e.cause)) + ": " + e.message;
    case EventKind::Done: {
      std::string s = "SUCCEEDED";
      if (e.image != fota::ImageKind::Unknown) s += " (" + std::string(fota::to_string(e.image)) + ")";
      if (!e.message.empty()) s += ", " + e.message;
      return s;
    }
    case EventKind::RebootRequested: {
      std::string s = e.deferred ? "deferred by the application" : "rebooting";
      if (e.cause != fota::ErrorCause::None) s += " back to the previous image (" + std::string(fota::to_string(e.cause)) + ")";
      return s;
    }
    case EventKind::RolledBack:
      return "the device came back on its previous image" + (e.message.empty() ? std::string() : ": " + e.message);
    case EventKind::Start:
    case EventKind::Canceled:
    case EventKind::Confirmed:
    case EventKind::ErasePending:
    case EventKind::EraseDone:
      return e.message;
  }
  return e.message;
}

}  // namespace

std::string event_line(const fota::Event& event) {
  std::string line = event.job_id.empty() ? std::string() : "job " + event.job_id + ": ";
  line += fota::to_string(event.kind);
  if (std::string d = details(event); !d.empty()) line += " " + d;
  return line;
}

std::string progress_bar(int percent, std::string_view job_id, std::size_t width) {
  const int p = std::clamp(percent, 0, 100);
  const std::size_t filled = width * static_cast<std::size_t>(p) / 100;
  std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  std::string number = std::to_string(p) + "%";
  bar += std::string(4 - std::min<std::size_t>(number.size(), 4), ' ') + number;
  if (!job_id.empty()) bar += " job " + std::string(job_id);
  return bar;
}

bool progress_line_due(int last_logged_percent, int percent, int step) {
  if (last_logged_percent < 0) return true;
  if (percent >= 100) return last_logged_percent < 100;
  return step > 0 && percent / step > last_logged_percent / step;
}

std::string mqtt_failure(adapters::mosquitto::MqttErrorCode code, std::string_view endpoint, std::string_view detail) {
  using adapters::mosquitto::MqttErrorCode;
  std::string s;
  switch (code) {
    case MqttErrorCode::Refused:
      s = "connection refused: check the device certificate, its key, the root CA and the policy";
      break;
    case MqttErrorCode::Unreachable:
      s = "endpoint unreachable: nothing answers at " + std::string(endpoint) +
          "; check endpoint and port in the config and the network";
      break;
    case MqttErrorCode::Timeout:
      s = "no answer from " + std::string(endpoint) + ": check the endpoint, the port and any firewall";
      break;
    case MqttErrorCode::InvalidOptions:
      s = "the MQTT settings are unusable: check cert, key and root-ca in the config";
      break;
    case MqttErrorCode::NotConnected:
    case MqttErrorCode::ConnectionLost:
      s = "connection to " + std::string(endpoint) + " lost; reconnecting";
      break;
    case MqttErrorCode::Internal:
      s = "MQTT client failure";
      break;
  }
  if (!detail.empty()) s += " (" + std::string(detail) + ")";
  return s;
}

std::string version_label(const image::ImageVersion& v) {
  std::string s = "v" + std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.revision);
  if (v.build != 0) s += "+" + std::to_string(v.build);
  return s;
}

}  // namespace awsfota::agent
