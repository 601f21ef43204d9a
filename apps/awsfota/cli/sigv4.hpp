// The CLI's names for the shared SigV4 code (apps/common/sigv4): the signer lives there so that
// awsfota-jobsd verifies with the same canonicalization the CLI signs with.
#pragma once

#include "sigv4/sigv4.hpp"

namespace awsfota::cli {

using sigv4::amz_date_from_unix;
using sigv4::Digest32;
using sigv4::hex_lower;
using sigv4::HeaderList;
using sigv4::sign_request;
using sigv4::signed_host;
using sigv4::SigV4Credentials;
using sigv4::SigV4Primitives;
using sigv4::SigV4Request;
using sigv4::SigV4Scope;
using sigv4::uri_encode;

}  // namespace awsfota::cli
