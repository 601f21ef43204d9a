// How this layer's parser and checks return an ImageError.
#pragma once

#include <string>
#include <utility>

#include "awsfota/image/mcuboot.hpp"

namespace awsfota::image::detail {

[[nodiscard]] inline Unexpected<ImageError> fail(ImageErrorCode code, std::string reason) {
  return unexpected(ImageError{code, std::move(reason)});
}

}  // namespace awsfota::image::detail
