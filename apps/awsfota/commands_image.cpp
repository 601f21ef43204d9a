// image create|info|verify, key generate, delta create|apply|info.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>

#include "awsfota/adapters/openssl/crypto.hpp"
#include "awsfota/image/create.hpp"
#include "awsfota/image/delta.hpp"
#include "awsfota/image/kind.hpp"
#include "awsfota/image/mcuboot.hpp"
#include "common.hpp"

namespace awsfota::cli {
namespace {

using nlohmann::ordered_json;

Expected<std::uint64_t, std::string> parse_size(const std::string& text, const char* option) {
  try {
    std::size_t used = 0;
    const unsigned long long v = std::stoull(text, &used, 0);
    if (used == text.size()) return static_cast<std::uint64_t>(v);
  } catch (const std::exception&) {
  }
  return unexpected(std::string(option) + " '" + text + "' is not a number (decimal or 0x hex)");
}

// A public key from a PEM file that holds either a public key or a private key.
Expected<image::PublicKey, std::string> load_verification_key(const std::string& path) {
  auto pem = read_text(path);
  if (!pem) return unexpected(pem.error());
  if (pem->find("PRIVATE KEY") != std::string::npos) {
    auto signer = openssl::load_private_key_pem(*pem);
    if (!signer) return unexpected(path + ": " + signer.error());
    return (*signer)->public_key();
  }
  auto key = openssl::load_public_key_pem(*pem);
  if (!key) return unexpected(path + ": " + key.error());
  return *key;
}

std::string tlv_name(std::uint16_t type) {
  switch (static_cast<image::TlvType>(type)) {
    case image::TlvType::KeyHash: return "KEYHASH";
    case image::TlvType::PublicKey: return "PUBKEY";
    case image::TlvType::Sha256: return "SHA256";
    case image::TlvType::Rsa2048Pss: return "RSA2048_PSS";
    case image::TlvType::EcdsaSig: return "ECDSASIG";
    case image::TlvType::Rsa3072Pss: return "RSA3072_PSS";
    case image::TlvType::Ed25519: return "ED25519";
  }
  return "0x" + [&] {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", type);
    return std::string(buf);
  }();
}

// Whether the image gets the partition flag: as --partition / --no-partition say, else when the
// payload is a filesystem (ext2/3/4, squashfs).
enum class PartitionChoice { Auto, Yes, No };

std::string described_kind(std::uint32_t flags, image::ImageKind payload_kind, std::string_view filesystem) {
  if ((flags & image::kPartitionPayloadFlag) != 0) {
    return "partition image" + (filesystem.empty() ? std::string() : " (" + std::string(filesystem) + " filesystem)") +
           " in MCUboot format: the device writes the payload to its partition at byte 0";
  }
  if (flags != 0) return std::string("signed modem envelope of a ") + image::to_string(payload_kind) + " (MCUboot format)";
  return "MCUboot image";
}

int image_create(const std::string& payload_path, const std::string& version_text, const std::string& key_path,
                 const std::string& header_size_text, const std::string& slot_size_text, const std::string& out,
                 PartitionChoice partition) {
  auto version = image::parse_version(version_text);
  if (!version)
    return fail(kExitUsage, "--version '" + version_text + "' is not a version: use MAJOR.MINOR.REVISION[+BUILD], e.g. 1.2.3+4");
  auto header_size = parse_size(header_size_text, "--header-size");
  if (!header_size) return fail(kExitUsage, header_size.error());
  if (*header_size < 32 || *header_size > 0xffff) return fail(kExitUsage, "--header-size must be 32..65535 (usually 0x200)");
  std::optional<std::uint64_t> slot_size;
  if (!slot_size_text.empty()) {
    auto s = parse_size(slot_size_text, "--slot-size");
    if (!s) return fail(kExitUsage, s.error());
    slot_size = *s;
  }
  auto payload = read_bytes(payload_path);
  if (!payload) return fail(kExitFailed, payload.error());
  openssl::OpenSslCrypto crypto;
  std::unique_ptr<image::ImageSigner> signer;
  if (!key_path.empty()) {
    auto pem = read_text(key_path);
    if (!pem) return fail(kExitFailed, pem.error());
    auto loaded = openssl::load_private_key_pem(*pem);
    if (!loaded) return fail(kExitFailed, key_path + ": " + loaded.error() + " (make one with: awsfota key generate -o KEY.pem)");
    if ((*loaded)->public_key().algorithm != image::SignatureAlgorithm::EcdsaP256)
      std::cerr << "awsfota: note: " << key_path << " is a " << image::to_string((*loaded)->public_key().algorithm)
                << " key, not ECDSA P-256; the image is signed with it anyway\n";
    signer = std::move(*loaded);
  }
  image::CreateOptions options;
  options.version = *version;
  options.header_size = static_cast<std::uint16_t>(*header_size);
  // A modem image as the payload makes a signed modem envelope: the header's flags name its kind, so
  // that devices route it to the modem and check its signature with the same key (docs/images.md).
  const auto payload_kind = image::detect_kind(std::span(*payload).first(std::min(payload->size(), image::kDetectBytes)));
  options.flags = image::modem_envelope_flag(payload_kind);
  // A filesystem as the payload makes a partition image: the device writes the payload alone to its
  // inactive partition, so that a kernel can mount it (docs/images.md, "Partition images").
  const std::string_view filesystem = image::filesystem_name(*payload);
  if (partition == PartitionChoice::Yes || (partition == PartitionChoice::Auto && !filesystem.empty())) {
    if (options.flags != 0) return fail(kExitUsage, payload_path + " is a " + image::to_string(payload_kind) +
                                                        ", which cannot be a partition image");
    options.flags = image::kPartitionPayloadFlag;
  }
  auto made = image::create_image(*payload, options, signer.get(), crypto);
  if (!made) return fail(kExitFailed, "cannot make the image: " + made.error());
  if (slot_size && made->size() > *slot_size)
    return fail(kExitFailed, "the image is " + std::to_string(made->size()) + " bytes, more than the slot's " +
                                 std::to_string(*slot_size) + ": use a smaller payload or a larger slot");
  if (auto w = write_bytes(out, made->data(), made->size()); !w) return fail(kExitFailed, w.error());
  std::cout << out << ": " << described_kind(options.flags, payload_kind, filesystem) << ", version " << image::to_string(*version) << ", " << made->size() << " bytes, "
            << (signer ? "signed" : "hash only (no signature)") << "\n";
  return kExitOk;
}

ordered_json mcuboot_info(const image::ParsedImage& parsed) {
  ordered_json j;
  const auto& h = parsed.header;
  j["header"] = {{"load_address", h.load_address},     {"header_size", h.header_size},
                 {"protected_tlv_size", h.protected_tlv_size}, {"image_size", h.image_size},
                 {"flags", h.flags}};
  j["version"] = image::to_string(h.version);
  j["layout"] = {{"signed_size", parsed.layout.signed_size}, {"tlv_size", parsed.layout.tlv_size},
                 {"total_size", parsed.layout.total_size}};
  ordered_json tlvs = ordered_json::array();
  for (const auto& t : parsed.tlvs)
    tlvs.push_back({{"type", tlv_name(t.type)}, {"type_id", t.type}, {"protected", t.is_protected},
                    {"length", t.value.size()}, {"value", image::to_hex(t.value)}});
  j["tlvs"] = tlvs;
  return j;
}

ordered_json delta_info(const image::DeltaHeader& d) {
  return {{"base_size", d.base_size},
          {"base_sha256", image::to_hex(d.base_sha256)},
          {"result_size", d.result_size},
          {"result_sha256", image::to_hex(d.result_sha256)},
          {"stream_offset", d.stream_offset()}};
}

void print_info_text(const ordered_json& j) {
  std::cout << "file:    " << j["file"].get<std::string>() << "\nkind:    " << j["kind"].get<std::string>()
            << "\nsize:    " << j["size"].get<std::uint64_t>() << "\nsha256:  " << j["sha256"].get<std::string>() << "\n";
  if (j.contains("header")) {
    const auto& h = j["header"];
    std::cout << "version: " << j["version"].get<std::string>() << "\nheader:  size " << h["header_size"].get<int>()
              << ", payload " << h["image_size"].get<std::uint64_t>() << " bytes, load address 0x" << std::hex
              << h["load_address"].get<std::uint32_t>() << ", flags 0x" << h["flags"].get<std::uint32_t>() << std::dec
              << ", protected TLVs " << h["protected_tlv_size"].get<int>() << " bytes\nTLVs:\n";
    for (const auto& t : j["tlvs"]) {
      std::string value = t["value"].get<std::string>();
      if (value.size() > 64) value = value.substr(0, 64) + "...";
      std::cout << "  " << t["type"].get<std::string>() << (t["protected"].get<bool>() ? " (protected)" : "") << "  "
                << t["length"].get<std::size_t>() << " bytes  " << value << "\n";
    }
  }
  if (j.contains("partition")) {
    std::cout << "partition: payload (" << j["partition"]["filesystem"].get<std::string>()
              << " filesystem) goes to the partition's byte 0; header and TLVs to the side record\n";
  }
  if (j.contains("delta")) {
    const auto& d = j["delta"];
    std::cout << "base:    " << d["base_size"].get<std::uint64_t>() << " bytes, sha256 "
              << d["base_sha256"].get<std::string>() << "\nresult:  " << d["result_size"].get<std::uint64_t>()
              << " bytes, sha256 " << d["result_sha256"].get<std::string>() << "\n";
  }
}

int image_info(const std::string& path, bool json, bool delta_only) {
  auto bytes = read_bytes(path);
  if (!bytes) return fail(kExitFailed, bytes.error());
  openssl::OpenSslCrypto crypto;
  const auto kind = image::detect_kind(std::span(*bytes).first(std::min(bytes->size(), image::kDetectBytes)));
  ordered_json j;
  j["file"] = path;
  j["kind"] = image::to_string(kind);
  j["size"] = bytes->size();
  j["sha256"] = image::to_hex(image::sha256_of(crypto, *bytes));
  if (delta_only && kind != image::ImageKind::AppDelta)
    return fail(kExitVerifyFailed, path + " is not an awsfota delta (detected: " + image::to_string(kind) + ")");
  if (image::is_mcuboot_envelope(*bytes)) {  // an application image or a signed modem envelope
    auto parsed = image::parse_image(*bytes);
    if (!parsed) return fail(kExitVerifyFailed, path + ": " + parsed.error().reason);
    j.update(mcuboot_info(*parsed));
    if (image::is_partition_image(*bytes)) {
      const auto& h = parsed->header;
      const auto payload = std::span(*bytes).subspan(h.header_size, h.image_size);
      const std::string_view filesystem = image::filesystem_name(payload);
      j["partition"] = {{"payload_offset", h.header_size},
                        {"filesystem", filesystem.empty() ? std::string("unknown") : std::string(filesystem)}};
    }
  } else if (kind == image::ImageKind::AppDelta) {
    auto header = image::parse_delta_header(*bytes);
    if (!header) return fail(kExitVerifyFailed, path + ": " + header.error().reason);
    j["delta"] = delta_info(*header);
  } else if (kind == image::ImageKind::Unknown) {
    if (json) std::cout << j.dump(2) << "\n";
    else print_info_text(j);
    return fail(kExitVerifyFailed, path + " is not a known image kind (MCUboot, awsfota delta, modem)");
  }
  if (json) std::cout << j.dump(2) << "\n";
  else print_info_text(j);
  return kExitOk;
}

int image_verify(const std::string& path, const std::string& key_path) {
  image::VerifyPolicy policy;
  if (!key_path.empty()) {
    auto key = load_verification_key(key_path);
    if (!key) return fail(kExitFailed, key.error());
    policy.key = *key;
  }
  auto bytes = read_bytes(path);
  if (!bytes) return fail(kExitFailed, bytes.error());
  openssl::OpenSslCrypto crypto;
  auto v = image::verify_image(*bytes, policy, crypto);
  if (!v) {
    std::string hint;
    if (v.error().code == image::ImageErrorCode::KeyMismatch) hint = " (the image was signed with another key)";
    return fail(kExitVerifyFailed, path + ": " + image::to_string(v.error().code) + ": " + v.error().reason + hint);
  }
  std::cout << path << ": OK, " << (image::is_partition_image(*bytes) ? "partition image, " : "") << "version "
            << image::to_string(v->header.version) << ", sha256 "
            << image::to_hex(v->sha256)
            << (v->signature_checked ? ", signature verified" : ", hash only (no key given, signature not checked)")
            << "\n";
  return kExitOk;
}

int key_generate(const std::string& out, const std::string& pub_out) {
  auto pem = openssl::generate_private_key_pem(image::SignatureAlgorithm::EcdsaP256);
  if (!pem) return fail(kExitFailed, "cannot make a key: " + pem.error());
  if (auto w = write_bytes(out, pem->data(), pem->size(), true); !w) return fail(kExitFailed, w.error());
  std::cout << out << ": ECDSA P-256 private key\n";
  if (!pub_out.empty()) {
    auto signer = openssl::load_private_key_pem(*pem);
    if (!signer) return fail(kExitFailed, signer.error());
    const std::string pub = openssl::public_key_pem((*signer)->public_key());
    if (auto w = write_bytes(pub_out, pub.data(), pub.size()); !w) return fail(kExitFailed, w.error());
    std::cout << pub_out << ": its public key\n";
  }
  return kExitOk;
}

int delta_exit_code(image::DeltaErrorCode code) {
  switch (code) {
    case image::DeltaErrorCode::Sink:
    case image::DeltaErrorCode::Create:
      return kExitFailed;
    default:
      return kExitVerifyFailed;
  }
}

int delta_create(const std::string& from, const std::string& to, const std::string& out, int level) {
  auto base = read_bytes(from);
  if (!base) return fail(kExitFailed, base.error());
  auto result = read_bytes(to);
  if (!result) return fail(kExitFailed, result.error());
  openssl::OpenSslCrypto crypto;
  auto delta = image::create_delta(*base, *result, crypto, level);
  if (!delta) return fail(kExitFailed, "cannot make the delta: " + delta.error().reason);
  if (auto w = write_bytes(out, delta->data(), delta->size()); !w) return fail(kExitFailed, w.error());
  std::cout << out << ": delta " << from << " -> " << to << ", " << delta->size() << " bytes (result "
            << result->size() << " bytes)\n";
  return kExitOk;
}

int delta_apply(const std::string& base_path, const std::string& delta_path, const std::string& out) {
  auto delta = read_bytes(delta_path);
  if (!delta) return fail(kExitFailed, delta.error());
  auto base = read_bytes(base_path);
  if (!base) return fail(kExitFailed, base.error());
  auto header = image::parse_delta_header(*delta);
  if (!header) return fail(kExitVerifyFailed, delta_path + ": " + header.error().reason);
  if (header->result_size > (std::uint64_t{1} << 32))
    return fail(kExitFailed, delta_path + ": the result would be " + std::to_string(header->result_size) +
                                 " bytes, more than this command handles in memory");
  std::vector<std::uint8_t> result(static_cast<std::size_t>(header->result_size));
  openssl::OpenSslCrypto crypto;
  auto applied = image::apply_delta(*delta, *base, result, crypto);
  if (!applied) {
    std::string hint = applied.error().code == image::DeltaErrorCode::WrongBase
                           ? " (this delta was made from another base image)"
                           : "";
    return fail(delta_exit_code(applied.error().code), delta_path + ": " + std::string(image::to_string(applied.error().code)) +
                                                           ": " + applied.error().reason + hint);
  }
  if (auto w = write_bytes(out, result.data(), result.size()); !w) return fail(kExitFailed, w.error());
  std::cout << out << ": " << result.size() << " bytes, sha256 " << image::to_hex(header->result_sha256)
            << " (checked)\n";
  return kExitOk;
}

}  // namespace

void add_image_commands(CLI::App& app, Action& action) {
  auto* image_cmd = app.add_subcommand("image", "make, inspect and verify MCUboot images");
  image_cmd->require_subcommand(1);

  auto* create = image_cmd->add_subcommand("create", "make an MCUboot image (imgtool's format) from a payload");
  auto c = std::make_shared<std::array<std::string, 6>>();
  (*c)[3] = "0x200";
  create->add_option("--payload", (*c)[0], "the firmware binary")->required()->check(CLI::ExistingFile);
  create->add_option("--version", (*c)[1], "image version MAJOR.MINOR.REVISION[+BUILD], e.g. 1.2.3+4")->required();
  create->add_option("--key", (*c)[2], "ECDSA P-256 private key (PEM) to sign with; without it a hash-only image")
      ->check(CLI::ExistingFile);
  create->add_option("--header-size", (*c)[3], "header size, padded with 0xff (default 0x200)");
  create->add_option("--slot-size", (*c)[4], "fail when the image would not fit a slot of this many bytes");
  create->add_option("-o,--output", (*c)[5], "where to write the image")->required();
  auto partition = std::make_shared<std::array<bool, 2>>();
  auto* yes = create->add_flag("--partition", (*partition)[0],
                               "make a partition image: the device writes the payload to its inactive partition "
                               "at byte 0 (default when the payload is an ext2/3/4 or squashfs filesystem)");
  create->add_flag("--no-partition", (*partition)[1], "a plain MCUboot image even of a filesystem payload")->excludes(yes);
  create->callback([c, partition, &action] {
    const PartitionChoice choice = (*partition)[0]   ? PartitionChoice::Yes
                                   : (*partition)[1] ? PartitionChoice::No
                                                     : PartitionChoice::Auto;
    action = [c, choice] { return image_create((*c)[0], (*c)[1], (*c)[2], (*c)[3], (*c)[4], (*c)[5], choice); };
  });

  auto* info = image_cmd->add_subcommand("info", "show an image's kind, header, version, TLVs and SHA-256");
  auto info_file = std::make_shared<std::string>();
  auto info_json = std::make_shared<bool>(false);
  info->add_option("FILE", *info_file, "image file")->required();
  info->add_flag("--json", *info_json, "print JSON");
  info->callback([=, &action] { action = [=] { return image_info(*info_file, *info_json, false); }; });

  auto* verify = image_cmd->add_subcommand("verify", "check an image's SHA-256 and, with --key, its signature");
  auto v = std::make_shared<std::array<std::string, 2>>();
  verify->add_option("FILE", (*v)[0], "image file")->required();
  verify->add_option("--key", (*v)[1], "public key (PEM; a private key works too) that must have signed it")
      ->check(CLI::ExistingFile);
  verify->callback([v, &action] { action = [v] { return image_verify((*v)[0], (*v)[1]); }; });

  auto* key_cmd = app.add_subcommand("key", "signing keys");
  key_cmd->require_subcommand(1);
  auto* gen = key_cmd->add_subcommand("generate", "make an ECDSA P-256 signing key (PKCS#8 PEM, mode 0600)");
  auto k = std::make_shared<std::array<std::string, 2>>();
  gen->add_option("-o,--output", (*k)[0], "private key file to write")->required();
  gen->add_option("--pub", (*k)[1], "also write the public key (PEM) here, for devices and image verify");
  gen->callback([k, &action] { action = [k] { return key_generate((*k)[0], (*k)[1]); }; });
}

void add_delta_commands(CLI::App& app, Action& action) {
  auto* delta_cmd = app.add_subcommand("delta", "application deltas (zstd patch-from with awsfota's header)");
  delta_cmd->require_subcommand(1);

  auto* create = delta_cmd->add_subcommand("create", "make a delta that turns OLD into NEW");
  auto c = std::make_shared<std::array<std::string, 3>>();
  auto level = std::make_shared<int>(19);
  create->add_option("--from", (*c)[0], "the image the device runs now")->required()->check(CLI::ExistingFile);
  create->add_option("--to", (*c)[1], "the new image")->required()->check(CLI::ExistingFile);
  create->add_option("-o,--output", (*c)[2], "where to write the delta")->required();
  create->add_option("--level", *level, "zstd level (1..22, default 19)")->check(CLI::Range(1, 22));
  create->callback([c, level, &action] { action = [c, level] { return delta_create((*c)[0], (*c)[1], (*c)[2], *level); }; });

  auto* apply = delta_cmd->add_subcommand("apply", "apply a delta to its base, checking base and result hashes");
  auto a = std::make_shared<std::array<std::string, 3>>();
  apply->add_option("--base", (*a)[0], "the base image the delta was made from")->required()->check(CLI::ExistingFile);
  apply->add_option("DELTA", (*a)[1], "the delta file")->required();
  apply->add_option("-o,--output", (*a)[2], "where to write the result")->required();
  apply->callback([a, &action] { action = [a] { return delta_apply((*a)[0], (*a)[1], (*a)[2]); }; });

  auto* info = delta_cmd->add_subcommand("info", "show a delta's header: base and result sizes and SHA-256");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  info->add_option("DELTA", *file, "the delta file")->required();
  info->add_flag("--json", *json, "print JSON");
  info->callback([=, &action] { action = [=] { return image_info(*file, *json, true); }; });
}

}  // namespace awsfota::cli
