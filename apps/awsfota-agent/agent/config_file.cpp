// Reading the config file: the one piece of agent_core that touches the file system, kept beside the
// parser so that its messages are tested with the parser's.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "agent/config.hpp"

namespace awsfota::agent {

Expected<std::string, ConfigError> read_config_file(const std::filesystem::path& path) {
  const auto cannot = [&](const std::string& why) {
    return unexpected(ConfigError{"", "config: cannot read " + path.string() + ": " + why});
  };
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  // Opening a directory succeeds on Linux and reads as empty text, which the JSON parser would call
  // "unexpected end of input": say what is really wrong.
  if (std::filesystem::is_directory(status)) {
    return unexpected(ConfigError{"", "config: " + path.string() + " is a directory, not a config file"});
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return cannot(errno != 0 ? std::strerror(errno) : "cannot open it");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return cannot("read error");
  return text.str();
}

}  // namespace awsfota::agent
