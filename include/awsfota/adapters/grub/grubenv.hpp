// The GRUB environment block (`grubenv`): what GRUB's load_env and save_env and the grub-editenv tool
// read and write. A file of a fixed size (1024 bytes as grub-editenv creates it) holding the signature
// line "# GRUB Environment Block", then one "name=value" line per variable, then '#' padding to the
// end. In a value a backslash and a newline are written with a backslash before them. GRUB's
// save_env rewrites the file's blocks in place, so the size never changes.
//
//   auto env = awsfota::grub::decode_grubenv(bytes);   // bytes: the whole file
//   if (!env) die(env.error());  // "grubenv: offset 25: variable A_OK: its value runs to the end of the block ..."
//   env->set("ORDER", "B A");
//   auto block = awsfota::grub::encode_grubenv(*env);   // 1024 bytes, or an error when they do not fit
//
// The decoder reads what GRUB reads, and refuses (with the reason) what GRUB would silently stop at:
// a line without '=', a value running to the end of the block, a NUL byte, a name given twice.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/expected.hpp"

namespace awsfota::grub {

inline constexpr std::string_view kGrubEnvSignature = "# GRUB Environment Block\n";
inline constexpr std::size_t kGrubEnvDefaultSize = 1024;  // grub-editenv's size for a new block
inline constexpr std::size_t kGrubEnvMaxSize = 64 * 1024;  // larger files are refused, not read

// The variables in file order (grub-editenv lists them in this order).
class GrubEnv {
 public:
  using Variable = std::pair<std::string, std::string>;

  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
  // Replaces the value in place, or appends the variable.
  void set(std::string_view name, std::string_view value);
  void erase(std::string_view name);
  [[nodiscard]] const std::vector<Variable>& variables() const { return vars_; }

  friend bool operator==(const GrubEnv&, const GrubEnv&) = default;

 private:
  std::vector<Variable> vars_;
};

// A name this codec stores: 1..128 bytes, none of them '=', a backslash, a control byte (newline, NUL),
// and not starting with '#' (GRUB would take the line for padding).
[[nodiscard]] bool valid_grubenv_name(std::string_view name);

// The whole file. The error names what is wrong and where ("grubenv: ...").
[[nodiscard]] Expected<GrubEnv, std::string> decode_grubenv(std::string_view block);

// Exactly `size` bytes. Fails (naming the variable or the bytes missing) on an invalid name, a NUL byte
// in a value, or variables that do not fit in `size`.
[[nodiscard]] Expected<std::string, std::string> encode_grubenv(const GrubEnv& env,
                                                               std::size_t size = kGrubEnvDefaultSize);

// The file on a device (/boot/grub/grubenv). The block and its size, which a write keeps.
struct GrubEnvFile {
  GrubEnv env;
  std::size_t size = kGrubEnvDefaultSize;
};

// Io when the file is missing or unreadable (a missing file is an error, not an empty environment:
// GRUB cannot create it, so a wrong path would otherwise go unnoticed); Corrupt when it does not decode.
[[nodiscard]] Expected<GrubEnvFile, dfu::BootError> read_grubenv_file(const std::filesystem::path& path);

// Replaces the file atomically and durably (a temporary file beside it, fsync, rename over it, fsync of
// the folder): after a power loss at any point the file holds the old block or the new one, whole.
[[nodiscard]] Expected<void, dfu::BootError> write_grubenv_file(const std::filesystem::path& path,
                                                               const GrubEnvFile& file);

}  // namespace awsfota::grub
