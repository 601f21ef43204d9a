// A small value-or-error type for the library's boundaries.
//
// std::expected is C++23 and not usable with every compiler the project builds with (clang 14 cannot
// compile libstdc++'s <expected>), so the library carries this subset of it. It follows std::expected's
// names so that moving to the standard type later is a search and replace.
//
//   awsfota::Expected<int, std::string> parse(std::string_view s);
//   auto r = parse("42");
//   if (!r) { log(r.error()); return; }
//   use(*r);
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace awsfota {

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  [[nodiscard]] const E& error() const& noexcept { return error_; }
  [[nodiscard]] E& error() & noexcept { return error_; }
  [[nodiscard]] E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};

template <class E>
[[nodiscard]] Unexpected<std::decay_t<E>> unexpected(E&& error) {
  return Unexpected<std::decay_t<E>>(std::forward<E>(error));
}

template <class T, class E>
class [[nodiscard]] Expected {
 public:
  using value_type = T;
  using error_type = E;

  Expected()
    requires std::is_default_constructible_v<T>
      : storage_(std::in_place_index<0>) {}
  Expected(const T& value) : storage_(std::in_place_index<0>, value) {}              // NOLINT: implicit by design
  Expected(T&& value) : storage_(std::in_place_index<0>, std::move(value)) {}        // NOLINT
  template <class G>
  Expected(Unexpected<G> error) : storage_(std::in_place_index<1>, std::move(error).error()) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return storage_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] T& value() & { return checked_value(); }
  [[nodiscard]] const T& value() const& { return const_cast<Expected*>(this)->checked_value(); }
  [[nodiscard]] T&& value() && { return std::move(checked_value()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(checked_value()); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const E& error() const& {
    assert(!has_value());
    return std::get<1>(storage_);
  }
  [[nodiscard]] E& error() & {
    assert(!has_value());
    return std::get<1>(storage_);
  }
  [[nodiscard]] E&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(storage_));
  }

  template <class U>
  [[nodiscard]] T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(storage_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  T& checked_value() { return std::get<0>(storage_); }  // throws std::bad_variant_access on misuse

  std::variant<T, E> storage_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  Expected() = default;
  template <class G>
  Expected(Unexpected<G> error) : error_(std::move(error).error()), ok_(false) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] const E& error() const& {
    assert(!ok_);
    return error_;
  }
  [[nodiscard]] E& error() & {
    assert(!ok_);
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace awsfota
