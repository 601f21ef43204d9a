// Modem target: stages a modem delta or full modem image in a staging area and hands it to a
// ModemBackend at schedule() time; the modem applies it on its next initialisation.
//
// Signatures: a modem image comes either raw (the reference's format, as the vendor ships it) or in
// this project's signed modem envelope (image/kind.hpp: an MCUboot image whose payload is the modem
// image, made by `awsfota image create --payload MODEM.bin --key KEY.pem`). With a key configured
// (ModemVerify::policy.key) only an envelope signed by that key is installed: a raw modem image is
// refused as MissingSignature as soon as its first bytes arrive (nothing is staged), an envelope
// signed by another key or not at all fails finish(), so schedule() never hands it to the modem.
// Without a key both forms pass; an envelope's SHA-256 is still checked. The backend always gets
// the bare modem image (an envelope's payload).
//
//   awsfota::posix::SimulatedModem modem(dir);            // or a vendor backend (see docs/images.md)
//   awsfota::dfu::ModemTarget target(staging, modem, [](DfuEvent e) { emit(e); },
//                                    {.policy = {.key = signing_key}, .crypto = &crypto});
//   target.begin({.size = n, .allowed = ImageKind::ModemDelta | ImageKind::FullModem,
//                 .version_label = job.fw_version});        // raises ErasePending, EraseDone
//   ... write / commit ... finish(); schedule();             // modem applies at next init
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "awsfota/dfu/block_device.hpp"
#include "awsfota/dfu/target.hpp"

namespace awsfota::dfu {

// A modem's update mechanism. A real backend wraps the vendor's tool or library (e.g. a program that
// takes the staged file, or an AT-command/firmware-update API); the simulated one is in the posix
// adapter.
class ModemBackend {
 public:
  virtual ~ModemBackend() = default;
  // Take the staged update (first `size` bytes of `staged`) to apply at the next modem init.
  // Contract: durable when it returns; the staging area may be reused afterwards.
  [[nodiscard]] virtual Expected<void, DfuError> schedule_update(image::ByteReader& staged, std::uint64_t size,
                                                                 image::ImageKind kind,
                                                                 std::string_view version_label) = 0;
  // The firmware version the modem reports now.
  [[nodiscard]] virtual Expected<std::string, DfuError> firmware_version() = 0;
};

// How a modem target checks signatures (see ModemTarget). `crypto` is needed for envelopes.
struct ModemVerify {
  image::VerifyPolicy policy;
  const image::CryptoProvider* crypto = nullptr;
};

class ModemTarget final : public DfuTarget {
 public:
  ModemTarget(BlockDevice& staging, ModemBackend& backend, DfuEventSink events, ModemVerify verify = {});
  // Erases the staging area for a fresh transfer (ErasePending, EraseDone), so that the next
  // begin() at offset 0 of at most that many bytes need not erase again.
  [[nodiscard]] Expected<std::uint64_t, DfuError> prepare_fresh(std::optional<std::uint64_t> size) override;
  [[nodiscard]] Expected<void, DfuError> begin(const TransferSpec& spec) override;
  [[nodiscard]] Expected<void, DfuError> write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  [[nodiscard]] Expected<std::uint64_t, DfuError> commit() override;
  [[nodiscard]] Expected<FinishedImage, DfuError> finish() override;
  [[nodiscard]] Expected<void, DfuError> schedule() override;
  void abort() override;

 private:
  Expected<void, DfuError> check_head();
  Expected<std::uint64_t, DfuError> erase(std::optional<std::uint64_t> size);
  Expected<void, DfuError> verify_envelope(FinishedImage& out);

  BlockDevice& staging_;
  ModemBackend& backend_;
  DfuEventSink events_;
  ModemVerify verify_;
  TransferSpec spec_;
  std::uint64_t erased_for_ = 0;   // prepare_fresh() erased this much, nothing written since
  bool envelope_ = false;          // the staged file is a signed modem envelope
  std::uint64_t payload_offset_ = 0, payload_size_ = 0;  // the modem image in the staged file
  bool active_ = false;
  bool finished_ = false;
  std::array<std::uint8_t, image::kDetectBytes> head_{};
  std::optional<image::ImageKind> kind_;
  std::uint64_t next_ = 0;
  std::uint64_t durable_ = 0;
};

}  // namespace awsfota::dfu
