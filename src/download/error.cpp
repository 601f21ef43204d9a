#include "awsfota/download/error.hpp"

namespace awsfota::download {

std::string_view to_string(Cause cause) noexcept {
  switch (cause) {
    case Cause::ConnectFailed: return "ConnectFailed";
    case Cause::ConnectionLost: return "ConnectionLost";
    case Cause::Stalled: return "Stalled";
    case Cause::ServerError: return "ServerError";
    case Cause::UrlExpired: return "UrlExpired";
    case Cause::HostUnreachable: return "HostUnreachable";
    case Cause::TlsFailed: return "TlsFailed";
    case Cause::Forbidden: return "Forbidden";
    case Cause::NotFound: return "NotFound";
    case Cause::HttpError: return "HttpError";
    case Cause::RangeNotSupported: return "RangeNotSupported";
    case Cause::RangeIgnored: return "RangeIgnored";
    case Cause::ContentRangeInvalid: return "ContentRangeInvalid";
    case Cause::SizeMismatch: return "SizeMismatch";
    case Cause::FileChanged: return "FileChanged";
    case Cause::InsecureUrl: return "InsecureUrl";
    case Cause::InvalidRequest: return "InvalidRequest";
    case Cause::WriteFailed: return "WriteFailed";
    case Cause::RetriesExhausted: return "RetriesExhausted";
    case Cause::Canceled: return "Canceled";
    case Cause::Internal: return "Internal";
  }
  return "Unknown";
}

NextStep next_step(Cause cause) noexcept {
  switch (cause) {
    case Cause::ConnectFailed:
    case Cause::ConnectionLost:
    case Cause::Stalled:
    case Cause::ServerError:
      return NextStep::Retry;
    case Cause::UrlExpired:
      return NextStep::RefreshUrl;
    case Cause::Canceled:
      return NextStep::Stop;
    default:
      return NextStep::Fail;
  }
}

}  // namespace awsfota::download
