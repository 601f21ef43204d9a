#include "awsfota/adapters/posix/simulated_modem.hpp"

#include <fstream>
#include <iterator>
#include <system_error>

#include "awsfota/adapters/posix/block_device.hpp"

namespace awsfota::posix {

namespace {
constexpr std::size_t kCopyChunk = 1 << 20;

Unexpected<dfu::DfuError> fail(std::string reason) {
  return unexpected(dfu::DfuError{dfu::DfuCause::BackendFailed, "simulated modem: " + std::move(reason)});
}

bool read_text(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}
}  // namespace

Expected<void, dfu::DfuError> SimulatedModem::schedule_update(image::ByteReader& staged, std::uint64_t size,
                                                              image::ImageKind kind, std::string_view version_label) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return fail("create " + dir_.string() + ": " + ec.message());
  // Copy in chunks through a device so that a large image never sits in memory.
  const auto tmp = dir_ / "pending.bin.tmp";
  std::filesystem::remove(tmp, ec);
  auto out = PosixBlockDevice::open(tmp, size);
  if (!out) return fail(out.error().message);
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(std::min<std::uint64_t>(kCopyChunk, size)));
  for (std::uint64_t at = 0; at < size;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - at));
    std::span<std::uint8_t> chunk(buf.data(), n);
    if (auto r = staged.read(at, chunk); !r) return fail("reading the staged image: " + r.error());
    if (auto r = (*out)->write(at, chunk); !r) return fail(r.error().message);
    at += n;
  }
  if (auto r = (*out)->sync(); !r) return fail(r.error().message);
  out->reset();
  std::filesystem::rename(tmp, dir_ / "pending.bin", ec);
  if (ec) return fail("rename pending image: " + ec.message());
  const std::string meta = std::string(kind == image::ImageKind::FullModem ? "full" : "delta") + "\n" +
                           std::string(version_label) + "\n";
  // The meta file is written last: its presence is what makes the update pending.
  if (auto r = write_file_atomically(dir_ / "pending.meta", meta); !r) return fail(r.error().message);
  return {};
}

Expected<std::string, dfu::DfuError> SimulatedModem::firmware_version() {
  std::string v;
  if (!read_text(dir_ / "version", v)) return std::string("unknown");
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

Expected<ModemInitResult, dfu::DfuError> SimulatedModem::init() {
  ModemInitResult result;
  std::string meta;
  if (read_text(dir_ / "pending.meta", meta)) {
    const auto nl = meta.find('\n');
    const std::string kind = meta.substr(0, nl);
    std::string version = nl == std::string::npos ? "" : meta.substr(nl + 1);
    while (!version.empty() && version.back() == '\n') version.pop_back();
    std::error_code ec;
    const auto applied_to = dir_ / (kind == "full" ? "firmware.bin" : "last-delta.bin");
    // pending.bin is gone when a power loss hit between this rename and the meta removal below.
    if (std::filesystem::exists(dir_ / "pending.bin")) {
      std::filesystem::rename(dir_ / "pending.bin", applied_to, ec);
      if (ec) return fail("applying the pending image: " + ec.message());
    }
    if (auto r = write_file_atomically(dir_ / "version", version + "\n"); !r) return fail(r.error().message);
    std::filesystem::remove(dir_ / "pending.meta", ec);
    if (ec) return fail("clearing the pending update: " + ec.message());
    result.applied = true;
  }
  auto v = firmware_version();
  if (!v) return unexpected(v.error());
  result.version = *v;
  return result;
}

}  // namespace awsfota::posix
