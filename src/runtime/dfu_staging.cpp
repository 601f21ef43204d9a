#include "awsfota/runtime/dfu_staging.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "awsfota/adapters/posix/block_device.hpp"
#include "awsfota/image/kind.hpp"

namespace awsfota::runtime {

fota::ErrorCause to_error_cause(dfu::DfuCause cause) noexcept {
  using dfu::DfuCause;
  switch (cause) {
    case DfuCause::TooLarge:
    case DfuCause::NoSpace: return fota::ErrorCause::NoSpace;
    case DfuCause::TypeMismatch: return fota::ErrorCause::TypeMismatch;
    case DfuCause::InvalidUpdate:
    case DfuCause::Downgrade:
    case DfuCause::WrongDeltaBase:
    case DfuCause::DeltaCorrupt: return fota::ErrorCause::InvalidUpdate;
    case DfuCause::HashMismatch: return fota::ErrorCause::HashMismatch;
    case DfuCause::SignatureInvalid:
    case DfuCause::MissingSignature:
    case DfuCause::KeyMismatch: return fota::ErrorCause::SignatureInvalid;
    case DfuCause::Io:
    case DfuCause::BadState:
    case DfuCause::BackendFailed: return fota::ErrorCause::Dfu;
  }
  return fota::ErrorCause::Dfu;
}

namespace {
dfu::DfuError error(dfu::DfuCause cause, std::string reason) { return dfu::DfuError{cause, std::move(reason)}; }
}  // namespace

DfuStaging::DfuStaging(Routes routes, const image::CryptoProvider& crypto, StagingOptions options)
    : routes_(std::move(routes)), crypto_(crypto), options_(std::move(options)) {
  options_.commit_interval = std::max<std::uint64_t>(options_.commit_interval, 1);
}

Route* DfuStaging::route_for(image::ImageKind kind) {
  Route* r = nullptr;
  switch (kind) {
    case image::ImageKind::McuBoot: r = &routes_.app; break;
    case image::ImageKind::AppDelta: r = &routes_.app_delta; break;
    case image::ImageKind::ModemDelta:
    case image::ImageKind::FullModem: r = &routes_.modem; break;
    case image::ImageKind::RaucBundle: r = &routes_.rauc; break;
    case image::ImageKind::SwupdateImage: r = &routes_.swupdate; break;
    default: return nullptr;
  }
  return r->target ? r : nullptr;
}

image::ImageKind DfuStaging::kind() const {
  std::lock_guard lock(mutex_);
  return kind_;
}

image::ImageKind DfuStaging::staged_kind(const std::string& job_id) const {
  {
    std::lock_guard lock(mutex_);
    if (kind_ != image::ImageKind::Unknown) return kind_;
  }
  auto record = load_record();
  return record && record->job_id == job_id ? record->kind : image::ImageKind::Unknown;
}

void DfuStaging::reset() {
  if (active_) active_->target->abort();
  active_ = nullptr;
  kind_ = image::ImageKind::Unknown;
  head_.clear();
  offset_ = durable_ = commit_requested_ = 0;
  total_.reset();
  verified_ = false;
  failure_ = fota::ErrorCause::None;
}

// ---- the record of the pick --------------------------------------------------------------------

std::optional<DfuStaging::Record> DfuStaging::load_record() const {
  if (options_.record_path.empty()) return std::nullopt;
  std::ifstream in(options_.record_path);
  if (!in) return std::nullopt;
  Record r;
  std::uint32_t kind = 0;
  std::string key;
  bool have_kind = false, have_size = false;
  while (in >> key) {
    if (key == "job") in >> r.job_id;
    else if (key == "kind") have_kind = static_cast<bool>(in >> kind);
    else if (key == "size") have_size = static_cast<bool>(in >> r.size);
  }
  if (!have_kind || !have_size || r.job_id.empty()) return std::nullopt;
  r.kind = static_cast<image::ImageKind>(kind);
  return r;
}

Expected<void, dfu::DfuError> DfuStaging::save_record(const Record& record) {
  if (options_.record_path.empty()) return {};
  std::ostringstream out;
  out << "job " << record.job_id << "\nkind " << static_cast<std::uint32_t>(record.kind) << "\nsize " << record.size
      << "\n";
  if (auto r = posix::write_file_atomically(options_.record_path, out.str()); !r) {
    return unexpected(error(dfu::DfuCause::Io, "saving the staging record: " + r.error().message));
  }
  return {};
}

void DfuStaging::remove_record() {
  if (options_.record_path.empty()) return;
  std::error_code ec;
  std::filesystem::remove(options_.record_path, ec);
}

// ---- engine side ---------------------------------------------------------------------------------

void DfuStaging::prepare(const fota::PrepareStaging& request) {
  std::optional<dfu::DfuError> failed;
  std::uint64_t kept = 0;
  bool fresh = false;
  {
    std::lock_guard lock(mutex_);
    reset();
    job_id_ = request.job_id;
    expected_size_ = request.expected_size;
    auto record = load_record();
    if (request.keep_bytes > 0 && record && record->job_id == request.job_id &&
        (!request.expected_size || *request.expected_size == record->size)) {
      if (auto r = reopen(*record, request.keep_bytes); !r) failed = r.error();
    } else {
      // Nothing usable to keep: the download starts over (the engine learns it from `kept`).
      remove_record();
      fresh = true;
    }
    kept = offset_;
  }
  if (fresh && !failed) failed = prepare_fresh();
  if (!listener_) return;
  if (failed) listener_->on_failed(to_error_cause(failed->cause), failed->reason);
  else listener_->on_staging_ready(fresh, kept);
}

// A download that starts at 0 writes to an area that must be prepared first, and which one is only
// known from its first bytes: every target this device has prepares its own (the application slot
// target erases the inactive slot, the delta and modem targets their staging areas), bracketed by
// ERASE_PENDING (here) and ERASE_DONE (the engine's, on staging ready with erased = true).
std::optional<dfu::DfuError> DfuStaging::prepare_fresh() {
  if (listener_) listener_->on_erase_pending();
  std::lock_guard lock(mutex_);
  const std::pair<Route*, image::ImageKindMask> routes[] = {
      {&routes_.app, static_cast<image::ImageKindMask>(image::ImageKind::McuBoot)},
      {&routes_.app_delta, static_cast<image::ImageKindMask>(image::ImageKind::AppDelta)},
      {&routes_.modem, image::ImageKind::ModemDelta | image::ImageKind::FullModem},
      {&routes_.rauc, static_cast<image::ImageKindMask>(image::ImageKind::RaucBundle)},
      {&routes_.swupdate, static_cast<image::ImageKindMask>(image::ImageKind::SwupdateImage)}};
  for (const auto& [route, kinds] : routes) {
    if (!route->target || (kinds & options_.allowed) == 0) continue;  // never written by this device
    if (auto r = route->target->prepare_fresh(expected_size_); !r) return r.error();
  }
  return std::nullopt;
}

Expected<void, dfu::DfuError> DfuStaging::reopen(const Record& record, std::uint64_t resume_from) {
  Route* route = route_for(record.kind);
  if (!route) return unexpected(error(dfu::DfuCause::TypeMismatch, std::string("no target for ") + image::to_string(record.kind)));
  dfu::TransferSpec spec{.size = record.size, .allowed = options_.allowed, .resume_from = resume_from,
                         .version_label = options_.version_label ? options_.version_label() : std::string()};
  if (auto r = route->target->begin(spec); !r) return r;
  active_ = route;
  kind_ = record.kind;
  total_ = record.size;
  offset_ = durable_ = commit_requested_ = resume_from;
  return {};
}

Expected<std::string, dfu::DfuError> DfuStaging::staged_file_sha256(std::uint64_t size) {
  // The target may have hashed the file while reading it back behind the writer (AppSlotTarget does);
  // it hands that over once the last byte is committed. Committing again is no more than a sync here:
  // flush() or the restart's reopen at the end already made every byte durable.
  if (auto c = active_->target->commit(); !c) return unexpected(c.error());
  if (auto staged = active_->target->staged_sha256()) return image::to_hex(*staged);
  dfu::BlockDevice* device = active_->file_device ? active_->file_device() : nullptr;
  if (!device) return unexpected(error(dfu::DfuCause::BadState, "no device to read the staged file from"));
  auto digest = dfu::sha256_of_device(*device, size, crypto_);
  if (!digest) return unexpected(error(dfu::DfuCause::Io, "reading the staged file " + digest.error().message));
  return image::to_hex(*digest);
}

Expected<void, dfu::DfuError> DfuStaging::check_sha256(const std::string& hex, std::uint64_t size) {
  auto staged = staged_file_sha256(size);
  if (!staged) return unexpected(staged.error());
  const std::string& got = *staged;
  std::string want = hex;
  std::transform(want.begin(), want.end(), want.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (got != want) {
    return unexpected(error(dfu::DfuCause::HashMismatch,
                            "the file's SHA-256 is " + got + ", the job document says " + want));
  }
  return {};
}

void DfuStaging::verify(const fota::VerifyStaged& request) {
  std::optional<fota::ErrorCause> cause;  // where the dfu cause alone would say it less well
  auto run = [&]() -> Expected<image::ImageKind, dfu::DfuError> {
    std::lock_guard lock(mutex_);
    if (!active_) {  // after a restart: the download is complete, reopen the target at its end
      auto record = load_record();
      if (!record || record->job_id != request.job_id) {
        return unexpected(error(dfu::DfuCause::BadState, "nothing is staged for job " + request.job_id));
      }
      if (auto r = reopen(*record, record->size); !r) return unexpected(r.error());
    }
    if (request.expected_size && *request.expected_size != offset_) {
      cause = fota::ErrorCause::SizeMismatch;
      return unexpected(error(dfu::DfuCause::BadState, "staged " + std::to_string(offset_) + " bytes, the job's size is " +
                                                           std::to_string(*request.expected_size)));
    }
    if (request.sha256) {
      if (auto r = check_sha256(*request.sha256, offset_); !r) return unexpected(r.error());
    }
    auto finished = active_->target->finish();
    if (!finished) return unexpected(finished.error());
    verified_ = true;
    // The kind downloaded (a delta's result is an MCUboot image, but the job was a delta update).
    return kind_;
  };
  auto result = run();
  if (!listener_) return;
  if (!result) {
    listener_->on_failed(cause.value_or(to_error_cause(result.error().cause)), result.error().reason);
    return;
  }
  listener_->on_verified(static_cast<fota::ImageKind>(static_cast<std::uint32_t>(*result)));
}

Expected<void, dfu::DfuError> DfuStaging::schedule() {
  std::lock_guard lock(mutex_);
  if (!active_ || !verified_) return unexpected(error(dfu::DfuCause::BadState, "schedule before a verified image"));
  return active_->target->schedule();
}

void DfuStaging::drop_staged() {
  std::lock_guard lock(mutex_);
  reset();
  remove_record();
  job_id_.clear();
  // A trial scheduled for the dropped image must not run at the next boot.
  if (options_.boot) {
    if (auto status = options_.boot->status(); status && status->state == dfu::BootState::TrialPending) {
      (void)options_.boot->revert();
    }
  }
}

// ---- sink side -----------------------------------------------------------------------------------

std::uint64_t DfuStaging::offset() const {
  std::lock_guard lock(mutex_);
  return offset_ + head_.size();
}

std::uint64_t DfuStaging::durable_offset() const {
  std::lock_guard lock(mutex_);
  // A background commit that completed since the last interval mark counts now, not at the next mark:
  // that is what keeps a power loss within one commit interval (docs/agent.md).
  if (active_ && active_->target) return std::max(durable_, active_->target->durable_offset());
  return durable_;
}

void DfuStaging::learn_total(std::uint64_t total) {
  std::lock_guard lock(mutex_);
  total_ = total;
}

fota::ErrorCause DfuStaging::failure_cause() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::string DfuStaging::fail(const dfu::DfuError& e) {
  failure_ = to_error_cause(e.cause);
  return e.reason;
}

// The kind is detected from the buffered head; the pick is recorded before any byte is committed.
Expected<void, dfu::DfuError> DfuStaging::pick(std::uint64_t resume_from) {
  const std::optional<std::uint64_t> size = expected_size_ ? expected_size_ : total_;
  if (!size) return unexpected(error(dfu::DfuCause::BadState, "the file's size is unknown (no size in the job, none from the server)"));
  auto kind = image::check_kind(head_, options_.allowed);
  if (!kind) return unexpected(dfu::to_dfu_error(kind.error()));
  if (!route_for(*kind)) {
    return unexpected(error(dfu::DfuCause::TypeMismatch,
                            std::string("this device has no target for ") + image::to_string(*kind) + " images"));
  }
  Record record{job_id_, *kind, *size};
  if (auto r = save_record(record); !r) return r;
  if (auto r = reopen(record, resume_from); !r) return r;
  std::vector<std::uint8_t> head = std::move(head_);
  head_.clear();
  if (auto r = active_->target->write(0, head); !r) return r;
  offset_ = head.size();
  return {};
}

Expected<void, std::string> DfuStaging::write(std::span<const std::byte> bytes) {
  std::lock_guard lock(mutex_);
  std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (!active_) {
    const std::size_t take = std::min(data.size(), image::kDetectBytes - head_.size());
    head_.insert(head_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    data = data.subspan(take);
    if (head_.size() < image::kDetectBytes) return {};
    if (auto r = pick(0); !r) return unexpected(fail(r.error()));
  }
  if (!data.empty()) {
    if (auto r = active_->target->write(offset_, data); !r) return unexpected(fail(r.error()));
    offset_ += data.size();
  }
  // A checkpoint every commit_interval bytes. The target makes it durable behind the download where
  // it can (start_commit); durable_ follows what it reports, so it is never ahead of the disk.
  if (offset_ - commit_requested_ >= options_.commit_interval) {
    auto c = active_->target->start_commit();
    if (!c) return unexpected(fail(c.error()));
    commit_requested_ = offset_;
    durable_ = std::max(durable_, *c);
  }
  return {};
}

Expected<std::uint64_t, std::string> DfuStaging::flush() {
  std::lock_guard lock(mutex_);
  if (!active_) {  // a file shorter than the detection window
    if (head_.empty()) return unexpected(fail(error(dfu::DfuCause::InvalidUpdate, "the file is empty")));
    if (auto r = pick(0); !r) return unexpected(fail(r.error()));
  }
  auto c = active_->target->commit();
  if (!c) return unexpected(fail(c.error()));
  durable_ = *c;
  return durable_;
}

}  // namespace awsfota::runtime
