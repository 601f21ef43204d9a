// The measured children of bench_download (each runs in its own process).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace bench {

// A P-256 key (DIR/key.pub.pem) and, per size, DIR/<MiB>.img: a signed MCUboot image of random payload
// just under MiB mebibytes, made with the project's image API, and DIR/<MiB>.img.sha256 (hex).
int make_images(const std::filesystem::path& dir, const std::vector<std::size_t>& sizes_mib);

struct DevicePathArgs {
  std::string url;
  std::string ca_file;
  std::filesystem::path slot_dir;        // slot-a.img, slot-b.img, boot.state, staging.record
  std::filesystem::path public_key_pem;
  std::uint64_t size = 0;                // the job's size
  std::uint64_t slot_size = 0;
  std::uint64_t commit_interval = 1 << 20;
  std::optional<std::string> job_sha256;  // the job document's digest of the file, checked by verify()
  // Written at the end: "download flush verify total" seconds, the number of durable-offset advances
  // seen in progress, and the CPU seconds of the hasher, the syncer and the other threads.
  std::filesystem::path stages_file;
};

// One update the way the device does it, to "verified and durable in slot B"; 0 on success.
int run_device_path(const DevicePathArgs& args);

}  // namespace bench
