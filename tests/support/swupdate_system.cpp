#include "support/swupdate_system.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace awsfota::testing {

namespace {

Expected<void, std::string> run_sh(const std::string& script) {
  auto r = run_program({"sh", "-c", script});
  if (r.exit_code != 0) return unexpected("`" + script + "` failed: " + r.err + r.out);
  return {};
}

// A self-signed signing certificate as SWUpdate's CMS check wants it (emailProtection by default).
Expected<void, std::string> make_signer(const std::filesystem::path& dir, const std::string& name) {
  return run_sh("cd '" + dir.string() + "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout " + name +
                ".key -out " + name + ".pem -days 2 -subj '/CN=" + name +
                "' -addext keyUsage=digitalSignature -addext extendedKeyUsage=emailProtection 2>/dev/null");
}

std::string sha256_of(const std::filesystem::path& file) {
  auto out = run_command({"sha256sum", file.string()});
  return out ? out->substr(0, 64) : std::string();
}

}  // namespace

Expected<std::unique_ptr<SwupdateSystem>, std::string> SwupdateSystem::start(const std::filesystem::path& dir) {
  std::unique_ptr<SwupdateSystem> system(new SwupdateSystem(dir));
  std::filesystem::create_directories(dir / "run");
  std::filesystem::create_directories(dir / "swu");
  if (auto r = make_signer(dir, "signer"); !r) return unexpected(r.error());
  if (auto r = make_signer(dir, "stranger"); !r) return unexpected(r.error());
  std::ofstream(system->partition()).flush();
  if (::mkfifo(system->fifo().c_str(), 0600) != 0) return unexpected(std::string("mkfifo failed"));
  if (auto r = system->launch(); !r) return unexpected(r.error());
  return system;
}

SwupdateSystem::~SwupdateSystem() {
  stop();
  if (!loop_device_.empty()) (void)run_program({"losetup", "-d", loop_device_});
}

Expected<std::filesystem::path, std::string> SwupdateSystem::block_partition(std::uint64_t size) {
  const auto file = dir_ / "small-partition.img";
  std::ofstream(file).flush();  // created, then sized
  std::filesystem::resize_file(file, size);
  auto r = run_program({"losetup", "--find", "--show", file.string()});
  if (r.exit_code != 0) return unexpected("losetup: " + r.err);
  loop_device_ = r.out.substr(0, r.out.find('\n'));
  return std::filesystem::path(loop_device_);
}

Expected<void, std::string> SwupdateSystem::launch() {
  std::filesystem::remove(ctrl_socket());
  std::filesystem::remove(progress_socket());
  // setsid: SWUpdate forks helpers; a session of its own lets stop() end them all at once.
  daemon_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"setsid", "env", "TMPDIR=" + (dir_ / "run").string(), "swupdate", "-v", "-B", "none",
                               "-H", "awsfota-test-board:1.0", "-k", (dir_ / "signer.pem").string()},
      dir_ / "swupdate.log");
  for (int i = 0; i < 100; ++i) {
    if (std::filesystem::exists(ctrl_socket()) && std::filesystem::exists(progress_socket())) return {};
    if (!daemon_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return unexpected("swupdate did not open its sockets in " + (dir_ / "run").string() + ":\n" + log());
}

void SwupdateSystem::stop() {
  if (!daemon_) return;
  if (daemon_->running()) ::kill(-daemon_->pid(), SIGKILL);
  daemon_->stop();
  daemon_.reset();
}

Expected<void, std::string> SwupdateSystem::restart() {
  stop();
  return launch();
}

std::string SwupdateSystem::log() const {
  std::ifstream in(dir_ / "swupdate.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Expected<std::filesystem::path, std::string> SwupdateSystem::make_swu(const std::string& name,
                                                                     const std::vector<std::uint8_t>& image,
                                                                     const SwuSpec& spec) {
  const auto work = dir_ / "swu" / name;
  std::filesystem::create_directories(work);
  {
    std::ofstream out(work / "rootfs.img", std::ios::binary);
    out.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  }
  std::string description = spec.description;
  if (description.empty()) {
    const auto device = !spec.device.empty() ? spec.device : spec.blocking_partition ? fifo() : partition();
    description = "software =\n{\n\tversion = \"" + spec.version + "\";\n\thardware-compatibility: [ \"" +
                  spec.hardware + "\" ];\n\timages: (\n\t\t{\n\t\t\tfilename = \"rootfs.img\";\n\t\t\ttype = \"raw\";\n"
                  "\t\t\tdevice = \"" + device.string() + "\";\n\t\t\tsha256 = \"" + sha256_of(work / "rootfs.img") +
                  "\";\n\t\t}\n\t);\n}\n";
  }
  std::ofstream(work / "sw-description") << description;
  const std::string signer = spec.foreign_signer ? "stranger" : "signer";
  const auto key = dir_ / (signer + ".key");
  const auto cert = dir_ / (signer + ".pem");
  if (auto r = run_sh("cd '" + work.string() + "' && openssl cms -sign -in sw-description -out sw-description.sig -signer '" +
                      cert.string() + "' -inkey '" + key.string() + "' -outform DER -nosmimecap -binary");
      !r) {
    return unexpected(r.error());
  }
  const auto swu = dir_ / (name + ".swu");
  if (auto r = run_sh("cd '" + work.string() + "' && printf 'sw-description\\nsw-description.sig\\nrootfs.img\\n' | cpio -o -H " +
                      spec.swu_format + " --quiet > '" + swu.string() + "'");
      !r) {
    return unexpected(r.error());
  }
  return swu;
}

}  // namespace awsfota::testing
