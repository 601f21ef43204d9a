// Linux partition installs through the whole device: a real ext4 or squashfs root filesystem, made into
// a partition image by `awsfota image create`, served by nginx, installed by runtime::Device into the
// inactive partition (a file standing in for one), and then checked by e2fsprogs or squashfs-tools on
// that partition file: it is the filesystem that was sent, with the files that were put in it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "awsfota/store/checkpoint_store.hpp"
#include "runtime/device_cycle.hpp"
#include "support/build_paths.hpp"

namespace awsfota::runtime {
namespace {

constexpr std::uint64_t kPartitionSize = 8 << 20;

// e2fsprogs and squashfs-tools put some of their programs in sbin, which a user's PATH may lack.
std::string system_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    if (std::filesystem::exists(std::filesystem::path(dir) / name)) return (std::filesystem::path(dir) / name).string();
  }
  return {};
}

std::vector<std::uint8_t> read_whole(const std::filesystem::path& path) {
  return read_prefix(path, static_cast<std::size_t>(std::filesystem::file_size(path)));
}

class PartitionCycle : public DeviceCycle {
 protected:
  void SetUp() override {
    DeviceCycle::SetUp();
    for (const char* tool : {"mkfs.ext4", "e2fsck", "debugfs", "mksquashfs", "unsquashfs"}) {
      ASSERT_FALSE(system_tool(tool).empty()) << tool << " is missing: scripts/setup installs e2fsprogs and squashfs-tools";
    }
    // The release engineer's key, as a file for `awsfota image create`; devices get its public half.
    auto pem = openssl::generate_private_key_pem(image::SignatureAlgorithm::EcdsaP256);
    ASSERT_TRUE(pem) << pem.error();
    key_file = dir.path() / "signing.pem";
    std::ofstream(key_file) << *pem;
    auto signer = openssl::load_private_key_pem(*pem);
    ASSERT_TRUE(signer) << signer.error();
    public_pem = openssl::public_key_pem((*signer)->public_key());
    // The running root filesystem in partition A, which no update may touch.
    running_rootfs = random_bytes(256 * 1024, 3);
    std::ofstream(dir.path() / "state" / "slot-a.img", std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(running_rootfs.data()), static_cast<std::streamsize>(running_rootfs.size()));
    // What goes into the new root filesystem.
    tree = dir.path() / "rootfs";
    std::filesystem::create_directories(tree / "etc");
    std::filesystem::create_directories(tree / "usr" / "bin");
    std::ofstream(tree / "etc" / "os-release") << "NAME=awsfota-test\nVERSION_ID=1.0.1\n";
    app_binary = random_bytes(1536 * 1024, 23);  // incompressible: the image stays large enough to cut
    std::ofstream(tree / "usr" / "bin" / "app", std::ios::binary)
        .write(reinterpret_cast<const char*>(app_binary.data()), static_cast<std::streamsize>(app_binary.size()));
  }

  DeviceConfig config(const std::string& running_version) override {
    DeviceConfig c = DeviceCycle::config(running_version);
    c.partition_slots = true;
    c.slot_size = kPartitionSize;
    c.delta_staging.clear();  // deltas need slots that hold whole images
    return c;
  }

  // Runs a system tool; its exit code, with its output kept for the failure message.
  int tool(const std::vector<std::string>& argv, std::string* out = nullptr) {
    std::vector<std::string> full = argv;
    full[0] = system_tool(argv[0]);
    auto run = testing::run_program(full);
    if (out) *out = run.out;
    if (run.exit_code != 0) std::cerr << argv[0] << " exited " << run.exit_code << ": " << run.out << run.err << "\n";
    return run.exit_code;
  }

  // `awsfota image create` of the filesystem in `fs`: the partition image, as the CLI makes it.
  std::vector<std::uint8_t> partition_image(const std::filesystem::path& fs, const std::string& version) {
    const auto out = dir.path() / (fs.filename().string() + ".fw");
    auto run = testing::run_program({testing::program("awsfota").string(), "image", "create", "--payload", fs.string(),
                                     "--version", version, "--key", key_file.string(), "-o", out.string()});
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("partition image"), std::string::npos) << run.out;
    return read_whole(out);
  }

  std::filesystem::path slot_b() const { return dir.path() / "state" / "slot-b.img"; }

  std::filesystem::path key_file, tree;
  std::vector<std::uint8_t> running_rootfs, app_binary;
};

TEST_F(PartitionCycle, Ext4RootFilesystemLandsAtByteZeroAndE2fsckFindsTheSentFiles) {
  const auto fs = dir.path() / "rootfs.ext4";
  ASSERT_EQ(tool({"mkfs.ext4", "-q", "-F", "-L", "rootfs", "-d", tree.string(), fs.string(), "4M"}), 0);
  const auto payload = read_whole(fs);
  auto image = partition_image(fs, "1.0.1");
  ASSERT_GT(image.size(), payload.size());
  start_nginx();
  offer("job-ext4", image, "1.0.1");

  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return reboot_requested; })) << "job " << job_status("job-ext4") << ": "
                                                            << service.find("job-ext4")->details["reason"];
  confirm_after_reboot("job-ext4", "1.0.1");

  EXPECT_EQ(read_prefix(slot_b(), payload.size()), payload) << "partition B does not start with the filesystem";
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-a.img", running_rootfs.size()), running_rootfs);
  // The partition as a kernel would see it: a clean ext4 filesystem holding the files that were sent.
  std::string out;
  EXPECT_EQ(tool({"e2fsck", "-n", "-f", slot_b().string()}, &out), 0) << out;
  ASSERT_EQ(tool({"debugfs", "-R", "cat /etc/os-release", slot_b().string()}, &out), 0);
  EXPECT_EQ(out, "NAME=awsfota-test\nVERSION_ID=1.0.1\n");
  const auto copied = dir.path() / "app-from-partition";
  ASSERT_EQ(tool({"debugfs", "-R", "dump /usr/bin/app " + copied.string(), slot_b().string()}), 0);
  EXPECT_EQ(read_whole(copied), app_binary);
}

// A power loss in the middle of the payload: the next run resumes from the checkpoint (the header back
// from the side record, the partition's bytes read back for the hash) and the squashfs is intact.
TEST_F(PartitionCycle, SquashfsRootFilesystemSurvivesAPowerLossMidDownload) {
  const auto fs = dir.path() / "rootfs.squashfs";
  ASSERT_EQ(tool({"mksquashfs", tree.string(), fs.string(), "-noappend", "-quiet", "-no-progress"}), 0);
  const auto payload = read_whole(fs);
  auto image = partition_image(fs, "1.0.1");
  start_nginx("    limit_rate 1m;\n");  // about 1.5 s for the file: time to die in the middle
  offer("job-sqfs", image, "1.0.1");

  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] {
    return !events.empty() && events.back().kind == fota::EventKind::DlProgress && events.back().percent >= 50;
  })) << "never reached half";
  power_off();  // the process dies here
  store::FileCheckpointStore checkpoints(dir.path() / "state" / "checkpoint");
  auto cp = checkpoints.load();
  ASSERT_TRUE(cp && *cp);
  const std::uint64_t resumed_at = (*cp)->committed_offset;
  std::cout << "checkpoint at " << resumed_at << " of " << image.size() << " bytes\n";
  ASSERT_GT(resumed_at, 512u) << "the checkpoint should be inside the payload";
  ASSERT_LT(resumed_at, image.size());

  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return reboot_requested; })) << "job " << job_status("job-sqfs") << ": "
                                                            << service.find("job-sqfs")->details["reason"];
  confirm_after_reboot("job-sqfs", "1.0.1");

  EXPECT_EQ(read_prefix(slot_b(), payload.size()), payload);
  // The second run asked only for the rest of the file.
  nginx->stop();
  bool resumed = false;
  for (const auto& request : range_requests()) {
    if (request.range == "bytes=" + std::to_string(resumed_at) + "-") resumed = request.bytes == image.size() - resumed_at;
  }
  EXPECT_TRUE(resumed) << "no request carried the rest of the file from " << resumed_at;
  std::string listing;
  ASSERT_EQ(tool({"unsquashfs", "-l", slot_b().string()}, &listing), 0);
  EXPECT_NE(listing.find("squashfs-root/etc/os-release"), std::string::npos) << listing;
  EXPECT_NE(listing.find("squashfs-root/usr/bin/app"), std::string::npos) << listing;
  std::string os_release;
  ASSERT_EQ(tool({"unsquashfs", "-cat", slot_b().string(), "etc/os-release"}, &os_release), 0);
  EXPECT_EQ(os_release, "NAME=awsfota-test\nVERSION_ID=1.0.1\n");
}

// A filesystem signed by another key: FAILED before any trial, the running partition untouched and the
// inactive one left without a filesystem to mount.
TEST_F(PartitionCycle, PartitionImageOfAnotherKeyFailsAndLeavesNothingMountable) {
  const auto fs = dir.path() / "rootfs.ext4";
  ASSERT_EQ(tool({"mkfs.ext4", "-q", "-F", "-d", tree.string(), fs.string(), "4M"}), 0);
  auto image = partition_image(fs, "1.0.1");
  auto other = openssl::generate_private_key_pem(image::SignatureAlgorithm::EcdsaP256);
  ASSERT_TRUE(other);
  auto other_signer = openssl::load_private_key_pem(*other);
  ASSERT_TRUE(other_signer);
  public_pem = openssl::public_key_pem((*other_signer)->public_key());  // the device trusts another key
  start_nginx();
  offer("job-key", image, "1.0.1");

  power_on("1.0.0");
  ASSERT_TRUE(run_until([&] { return job_status("job-key") == "FAILED"; }));
  EXPECT_EQ(service.find("job-key")->details["cause"], "SIGNATURE_INVALID");
  EXPECT_FALSE(reboot_requested);
  EXPECT_EQ(boot_status().state, dfu::BootState::Confirmed);
  EXPECT_EQ(boot_status().active, dfu::Slot::A);
  EXPECT_EQ(read_prefix(dir.path() / "state" / "slot-a.img", running_rootfs.size()), running_rootfs);
  EXPECT_NE(tool({"e2fsck", "-n", "-f", slot_b().string()}), 0) << "the refused filesystem is still there";
}

}  // namespace
}  // namespace awsfota::runtime
