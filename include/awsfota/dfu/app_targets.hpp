// Application targets for an A/B pair of slots: full MCUboot images and this project's deltas.
// Both write only the inactive slot (the one boot control says is not running) and verify the complete
// image there before schedule() requests a trial boot of it.
//
//   awsfota::posix::PosixBlockDevice a = ..., b = ...;           // slot files or partitions
//   awsfota::dfu::RecordBootControl boot(store);
//   awsfota::openssl::OpenSslCrypto crypto;
//   awsfota::dfu::AppConfig cfg;
//   cfg.verify.key = public_key;                                 // require a signature
//   cfg.running_version = running;                               // anti-downgrade
//   awsfota::dfu::AppSlotTarget target(a, b, boot, crypto, cfg);
//   // drive it as target.hpp shows
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "awsfota/dfu/block_device.hpp"
#include "awsfota/dfu/boot_control.hpp"
#include "awsfota/dfu/target.hpp"

namespace awsfota::dfu {

struct AppConfig {
  image::VerifyPolicy verify;
  std::optional<image::ImageVersion> running_version;  // none: no downgrade check
  image::DowngradePolicy downgrade;
};

// Full MCUboot images, streamed straight into the inactive slot; resumable at any committed offset.
// Memory: a 32-byte header copy and, in finish(), the verifier's 64 KiB buffer and the TLV area.
class AppSlotTarget final : public DfuTarget {
 public:
  AppSlotTarget(BlockDevice& slot_a, BlockDevice& slot_b, BootControl& boot, const image::CryptoProvider& crypto,
                AppConfig config);
  [[nodiscard]] Expected<void, DfuError> begin(const TransferSpec& spec) override;
  [[nodiscard]] Expected<void, DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  [[nodiscard]] Expected<std::uint64_t, DfuError> commit() override;
  [[nodiscard]] Expected<FinishedImage, DfuError> finish() override;
  [[nodiscard]] Expected<void, DfuError> schedule() override;
  void abort() override;

  [[nodiscard]] std::uint64_t durable_offset() const { return durable_; }
  [[nodiscard]] std::optional<Slot> target_slot() const { return target_slot_; }

 private:
  Expected<void, DfuError> check_header();

  BlockDevice* slots_[2];
  BootControl& boot_;
  const image::CryptoProvider& crypto_;
  AppConfig config_;
  TransferSpec spec_;
  std::optional<Slot> target_slot_;
  std::array<std::uint8_t, image::kHeaderFieldsSize> head_{};
  bool head_checked_ = false;
  std::uint64_t next_ = 0;
  std::uint64_t durable_ = 0;
  bool finished_ = false;
};

// Deltas (image/delta.hpp) applied on the fly: the active slot's first base-size bytes are the base
// (read whole, as zstd needs them), checked against the delta's base SHA-256 before anything is
// written; the result goes to the inactive slot and is verified like a full image.
// A delta cannot resume mid-stream: commit() returns 0 and begin() refuses resume_from > 0, so a
// transfer interrupted by a power loss starts again (deltas are small).
class AppDeltaTarget final : public DfuTarget {
 public:
  AppDeltaTarget(BlockDevice& slot_a, BlockDevice& slot_b, BootControl& boot, const image::CryptoProvider& crypto,
                 AppConfig config);
  ~AppDeltaTarget() override;
  [[nodiscard]] Expected<void, DfuError> begin(const TransferSpec& spec) override;
  [[nodiscard]] Expected<void, DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  [[nodiscard]] Expected<std::uint64_t, DfuError> commit() override;
  [[nodiscard]] Expected<FinishedImage, DfuError> finish() override;
  [[nodiscard]] Expected<void, DfuError> schedule() override;
  void abort() override;

 private:
  Expected<void, DfuError> start_applier();

  BlockDevice* slots_[2];
  BootControl& boot_;
  const image::CryptoProvider& crypto_;
  AppConfig config_;
  TransferSpec spec_;
  std::optional<Slot> target_slot_;
  std::vector<std::uint8_t> head_;
  std::vector<std::uint8_t> base_;
  std::unique_ptr<image::DeltaApplier> applier_;
  std::optional<DfuError> io_error_;  // the sink's device error, kept to report its real cause
  std::uint64_t next_ = 0;
  std::uint64_t result_size_ = 0;
  bool finished_ = false;
};

}  // namespace awsfota::dfu
