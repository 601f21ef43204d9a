// Names of the engine's enums, as they appear in statusDetails, events, logs and docs/engine.md.
#include "awsfota/fota/engine.hpp"

namespace awsfota::fota {

bool same_fw_version(std::string_view a, std::string_view b) noexcept {
  auto bare = [](std::string_view v) {
    if (!v.empty() && (v.front() == 'v' || v.front() == 'V')) v.remove_prefix(1);
    return v;
  };
  return !bare(a).empty() && bare(a) == bare(b);
}

std::string_view to_string(ErrorCause cause) noexcept {
  switch (cause) {
    case ErrorCause::None: return "NONE";
    case ErrorCause::ConnectFailed: return "CONNECT_FAILED";
    case ErrorCause::DownloadFailed: return "DOWNLOAD_FAILED";
    case ErrorCause::InvalidUpdate: return "INVALID_UPDATE";
    case ErrorCause::TypeMismatch: return "TYPE_MISMATCH";
    case ErrorCause::Internal: return "INTERNAL";
    case ErrorCause::Dfu: return "DFU";
    case ErrorCause::ProtoNotSupported: return "PROTO_NOT_SUPPORTED";
    case ErrorCause::InvalidConfiguration: return "INVALID_CONFIGURATION";
    case ErrorCause::HashMismatch: return "HASH_MISMATCH";
    case ErrorCause::SignatureInvalid: return "SIGNATURE_INVALID";
    case ErrorCause::SizeMismatch: return "SIZE_MISMATCH";
    case ErrorCause::NoSpace: return "NO_SPACE";
    case ErrorCause::UrlExpired: return "URL_EXPIRED";
    case ErrorCause::RolledBack: return "ROLLED_BACK";
    case ErrorCause::SelfTestFailed: return "SELF_TEST_FAILED";
    case ErrorCause::Canceled: return "CANCELED";
  }
  return "UNKNOWN";
}

std::string_view to_string(ImageKind kind) noexcept {
  switch (kind) {
    case ImageKind::Unknown: return "unknown";
    case ImageKind::Mcuboot: return "mcuboot";
    case ImageKind::ModemDelta: return "modem_delta";
    case ImageKind::FullModem: return "full_modem";
    case ImageKind::AppDelta: return "app_delta";
    case ImageKind::RaucBundle: return "rauc_bundle";
    case ImageKind::SwupdateImage: return "swupdate_image";
  }
  return "unknown";
}

std::string_view to_string(BootOutcome outcome) noexcept {
  switch (outcome) {
    case BootOutcome::Normal: return "normal";
    case BootOutcome::TrialPending: return "trial_pending";
    case BootOutcome::Trial: return "trial";
    case BootOutcome::Reverted: return "reverted";
    case BootOutcome::RevertPending: return "revert_pending";
  }
  return "unknown";
}

std::string_view to_string(TimerId id) noexcept { return id == TimerId::Response ? "response" : "confirm"; }

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::Start: return "START";
    case EventKind::Done: return "DONE";
    case EventKind::Error: return "ERROR";
    case EventKind::ErasePending: return "ERASE_PENDING";
    case EventKind::EraseDone: return "ERASE_DONE";
    case EventKind::DlProgress: return "DL_PROGRESS";
    case EventKind::RebootRequested: return "REBOOT_REQUESTED";
    case EventKind::Confirmed: return "CONFIRMED";
    case EventKind::RolledBack: return "ROLLED_BACK";
    case EventKind::Canceled: return "CANCELED";
    case EventKind::InstallProgress: return "INSTALL_PROGRESS";
  }
  return "UNKNOWN";
}

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
    case LogLevel::Bug: return "BUG";
  }
  return "unknown";
}

std::string_view to_string(State state) noexcept {
  switch (state) {
    case State::Created: return "Created";
    case State::Idle: return "Idle";
    case State::Claiming: return "Claiming";
    case State::Checking: return "Checking";
    case State::Preparing: return "Preparing";
    case State::Downloading: return "Downloading";
    case State::RefreshingUrl: return "RefreshingUrl";
    case State::Verifying: return "Verifying";
    case State::Scheduling: return "Scheduling";
    case State::AwaitingReboot: return "AwaitingReboot";
    case State::Trial: return "Trial";
    case State::Confirming: return "Confirming";
    case State::Reporting: return "Reporting";
  }
  return "Unknown";
}

std::string_view to_string(InputKind kind) noexcept {
  switch (kind) {
    case InputKind::Started: return "Started";
    case InputKind::Connected: return "Connected";
    case InputKind::Disconnected: return "Disconnected";
    case InputKind::JobNotice: return "JobNotice";
    case InputKind::UpdateAccepted: return "UpdateAccepted";
    case InputKind::DescribeAccepted: return "DescribeAccepted";
    case InputKind::JobEnded: return "JobEnded";
    case InputKind::DownloadProgress: return "DownloadProgress";
    case InputKind::DownloadFinished: return "DownloadFinished";
    case InputKind::DownloadFailed: return "DownloadFailed";
    case InputKind::DownloadUrlExpired: return "DownloadUrlExpired";
    case InputKind::DfuErasePending: return "DfuErasePending";
    case InputKind::DfuStagingReady: return "DfuStagingReady";
    case InputKind::DfuImageVerified: return "DfuImageVerified";
    case InputKind::DfuTrialScheduled: return "DfuTrialScheduled";
    case InputKind::DfuImageConfirmed: return "DfuImageConfirmed";
    case InputKind::DfuFailed: return "DfuFailed";
    case InputKind::DfuInstallProgress: return "DfuInstallProgress";
    case InputKind::ResponseTimeout: return "ResponseTimeout";
    case InputKind::ConfirmTimeout: return "ConfirmTimeout";
    case InputKind::CheckpointSaveFailed: return "CheckpointSaveFailed";
    case InputKind::AppConfirm: return "AppConfirm";
    case InputKind::AppSelfTestFailed: return "AppSelfTestFailed";
    case InputKind::AppCancel: return "AppCancel";
    case InputKind::AppDeferReboot: return "AppDeferReboot";
    case InputKind::AppAllowReboot: return "AppAllowReboot";
    case InputKind::MessagesLost: return "MessagesLost";
  }
  return "Unknown";
}

}  // namespace awsfota::fota
