// What the agent prints: one line per engine event, a progress bar for an interactive terminal, and
// the plain-words sentences for MQTT connection failures (docs/troubleshooting.md quotes them). Pure:
// strings in, strings out; the program decides where they go.
//
//   std::cerr << awsfota::agent::event_line(event) << "\n";       // "job j1: DL_PROGRESS 40%"
//   std::cerr << "\r" << awsfota::agent::progress_bar(40, "j1", 30) << std::flush;
//   std::cerr << awsfota::agent::mqtt_failure(MqttErrorCode::Refused, detail) << "\n";
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "awsfota/adapters/mosquitto/client.hpp"
#include "awsfota/fota/types.hpp"
#include "awsfota/image/version.hpp"

namespace awsfota::agent {

// One line, no newline: "job J: KIND details". Events without a job leave the "job J: " out.
[[nodiscard]] std::string event_line(const fota::Event& event);

// "[#########...........]  45% job j1" with `width` cells in the brackets; percent clamped to 0..100.
[[nodiscard]] std::string progress_bar(int percent, std::string_view job_id, std::size_t width);

// Which progress events deserve a plain line (not a terminal): the first, every `step` percent, and 100.
[[nodiscard]] bool progress_line_due(int last_logged_percent, int percent, int step = 10);

// The sentence for an MQTT connection failure, with the adapter's detail appended:
//  Refused     -> "connection refused: check the device certificate, its key, the root CA and the policy (...)"
//  Unreachable -> "endpoint unreachable: nothing answers at HOST:PORT; check endpoint and port in the config and the network (...)"
//  Timeout     -> "no answer from HOST:PORT: check the endpoint, the port and any firewall (...)"
[[nodiscard]] std::string mqtt_failure(adapters::mosquitto::MqttErrorCode code, std::string_view endpoint,
                                       std::string_view detail);

// A running image's version as job documents write it: "v1.0.1", "+build" only when the build is not 0.
[[nodiscard]] std::string version_label(const image::ImageVersion& version);

}  // namespace awsfota::agent
