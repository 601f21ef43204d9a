// The grubenv codec: pure, no I/O (the file's read and atomic write are in grubenv_file.cpp).
#include <algorithm>
#include <cstdio>

#include "awsfota/adapters/grub/grubenv.hpp"

namespace awsfota::grub {
namespace {

// At most 40 bytes of a line, control bytes shown as \xNN, for an error message.
std::string printable_preview(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, std::min<std::size_t>(text.size(), 40))) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    } else {
      out += c;
    }
  }
  if (text.size() > 40) out += "...";
  return out;
}

std::string error_at(std::size_t offset) { return "grubenv: offset " + std::to_string(offset) + ": "; }

// From a '#' line (padding or a comment) to the start of the next line, with GRUB's rule that a
// backslash hides the byte after it; the end of the block when no newline follows.
std::size_t after_comment(std::string_view block, std::size_t pos) {
  while (pos < block.size()) {
    if (block[pos] == '\\') {
      pos += 2;
    } else if (block[pos] == '\n') {
      return pos + 1;
    } else {
      ++pos;
    }
  }
  return block.size();
}

struct Line {
  std::string name;
  std::string value;
  std::size_t next = 0;  // where the next line starts
};

Expected<Line, std::string> decode_line(std::string_view block, std::size_t start) {
  const std::size_t eq = block.find('=', start);
  const std::size_t nl = block.find('\n', start);
  if (eq == std::string_view::npos || (nl != std::string_view::npos && nl < eq)) {
    const std::size_t end = nl == std::string_view::npos ? block.size() : nl;
    return unexpected(error_at(start) + "a line without '=' (\"" + printable_preview(block.substr(start, end - start)) + "\")");
  }
  Line line;
  line.name = std::string(block.substr(start, eq - start));
  if (!valid_grubenv_name(line.name)) {
    return unexpected(error_at(start) + "invalid variable name \"" + printable_preview(line.name) + "\"");
  }
  std::size_t pos = eq + 1;
  while (pos < block.size() && block[pos] != '\n') {
    char c = block[pos];
    if (c == '\\') {
      if (pos + 1 >= block.size()) {
        return unexpected(error_at(pos) + "variable " + line.name + ": a backslash ends the block");
      }
      c = block[++pos];
    }
    if (c == '\0') return unexpected(error_at(pos) + "variable " + line.name + ": a NUL byte in its value");
    line.value += c;
    ++pos;
  }
  if (pos >= block.size()) {
    return unexpected(error_at(start) + "variable " + line.name + ": its value runs to the end of the block (no newline)");
  }
  line.next = pos + 1;
  return line;
}

}  // namespace

std::optional<std::string_view> GrubEnv::get(std::string_view name) const {
  for (const auto& [n, v] : vars_) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

void GrubEnv::set(std::string_view name, std::string_view value) {
  for (auto& [n, v] : vars_) {
    if (n == name) {
      v = std::string(value);
      return;
    }
  }
  vars_.emplace_back(std::string(name), std::string(value));
}

void GrubEnv::erase(std::string_view name) {
  std::erase_if(vars_, [&](const Variable& var) { return var.first == name; });
}

bool valid_grubenv_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '#') return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return c == '=' || c == '\\' || byte < 0x20 || byte == 0x7f;
  });
}

Expected<GrubEnv, std::string> decode_grubenv(std::string_view block) {
  if (block.size() > kGrubEnvMaxSize) {
    return unexpected("grubenv: " + std::to_string(block.size()) + " bytes, more than the " +
                      std::to_string(kGrubEnvMaxSize) + " an environment block may have here");
  }
  if (!block.starts_with(kGrubEnvSignature)) {
    return unexpected(std::string("grubenv: does not start with the line \"# GRUB Environment Block\" (") +
                      std::to_string(block.size()) + " bytes starting \"" + printable_preview(block) + "\")");
  }
  GrubEnv env;
  std::size_t pos = kGrubEnvSignature.size();
  while (pos < block.size()) {
    if (block[pos] == '#') {
      pos = after_comment(block, pos);
      continue;
    }
    auto line = decode_line(block, pos);
    if (!line) return unexpected(line.error());
    if (env.get(line->name)) return unexpected(error_at(pos) + "variable " + line->name + " is set twice");
    env.set(line->name, line->value);
    pos = line->next;
  }
  return env;
}

Expected<std::string, std::string> encode_grubenv(const GrubEnv& env, std::size_t size) {
  if (size > kGrubEnvMaxSize) {
    return unexpected("grubenv: a block of " + std::to_string(size) + " bytes is more than the " +
                      std::to_string(kGrubEnvMaxSize) + " allowed here");
  }
  std::string out(kGrubEnvSignature);
  for (const auto& [name, value] : env.variables()) {
    if (!valid_grubenv_name(name)) return unexpected("grubenv: invalid variable name \"" + printable_preview(name) + "\"");
    if (value.find('\0') != std::string::npos) {
      return unexpected("grubenv: variable " + name + ": a NUL byte in its value (GRUB ends a value there)");
    }
    out += name;
    out += '=';
    for (char c : value) {
      if (c == '\\' || c == '\n') out += '\\';
      out += c;
    }
    out += '\n';
  }
  if (out.size() > size) {
    return unexpected("grubenv: the variables take " + std::to_string(out.size()) + " bytes, more than the block's " +
                      std::to_string(size));
  }
  out.resize(size, '#');
  return out;
}

}  // namespace awsfota::grub
