// A real SWUpdate for tests: Debian's `swupdate` daemon started with its sockets in a folder of the
// test (SWUpdate puts them in $TMPDIR), no web server, no real bootloader (`-B none`: the update state
// lives in SWUpdate's memory), a hardware revision, and a signing certificate made by the test (Debian
// builds SWUpdate for signed images only). A file stands in for the partition the `raw` handler writes.
//
//   TempDir dir("swupdate");
//   auto swu = SwupdateSystem::start(dir.path());
//   auto file = swu->make_swu("good", image, {});           // signed, for this board
//   SocketSwupdate client({.ctrl_socket = swu->ctrl_socket(), .progress_socket = swu->progress_socket()});
//   client.install(file->string(), {});                      // partition() now holds `image`
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "awsfota/expected.hpp"
#include "support/process.hpp"

namespace awsfota::testing {

struct SwuSpec {
  std::string version = "2.0.0";
  std::string hardware = "1.0";   // the revision sw-description accepts (the daemon runs as 1.0)
  bool foreign_signer = false;    // signed by a certificate the daemon does not trust
  bool blocking_partition = false;  // the partition is a FIFO nobody reads: the install hangs in it
  std::string description;        // when set, sw-description's text as is (no image entry is added)
  std::string swu_format = "crc";  // cpio -H crc or newc
  std::filesystem::path device;   // the raw handler's device when set (else partition() or fifo())
};

class SwupdateSystem {
 public:
  [[nodiscard]] static Expected<std::unique_ptr<SwupdateSystem>, std::string> start(const std::filesystem::path& dir);
  ~SwupdateSystem();
  SwupdateSystem(const SwupdateSystem&) = delete;
  SwupdateSystem& operator=(const SwupdateSystem&) = delete;

  [[nodiscard]] Expected<std::filesystem::path, std::string> make_swu(const std::string& name,
                                                                      const std::vector<std::uint8_t>& image,
                                                                      const SwuSpec& spec);
  // A loop device over a file of `size` bytes: a partition SWUpdate cannot grow (a file would). An
  // error when loop devices cannot be set up here (not root, no /dev/loop-control). Detached at the end.
  [[nodiscard]] Expected<std::filesystem::path, std::string> block_partition(std::uint64_t size);
  void stop();  // SWUpdate killed (SIGKILL: as a crash)
  [[nodiscard]] Expected<void, std::string> restart();
  [[nodiscard]] bool running() { return daemon_ && daemon_->running(); }

  [[nodiscard]] std::filesystem::path ctrl_socket() const { return dir_ / "run" / "sockinstctrl"; }
  [[nodiscard]] std::filesystem::path progress_socket() const { return dir_ / "run" / "swupdateprog"; }
  [[nodiscard]] std::filesystem::path partition() const { return dir_ / "partition.img"; }
  [[nodiscard]] std::filesystem::path fifo() const { return dir_ / "partition.fifo"; }
  [[nodiscard]] std::string log() const;

 private:
  explicit SwupdateSystem(std::filesystem::path dir) : dir_(std::move(dir)) {}
  [[nodiscard]] Expected<void, std::string> launch();

  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> daemon_;
  std::string loop_device_;
};

}  // namespace awsfota::testing
