// weft/shared.hpp
//
// `weft::shared<T>`: a plain (non-atomic) variable shared between threads,
// whose every read and write is reported to a checker so that it can look
// for data races on it (two accesses from different threads, at least one a
// write, not ordered by synchronization). Natively it is a plain T plus the
// seam's one branch per access: no atomics, no fences. A racy program is as
// undefined natively as with a plain T (ThreadSanitizer reports it).
//
//   weft::mutex m;
//   weft::shared<int> balance{0};
//   {
//     std::lock_guard guard(m);
//     balance.set(balance.get() + 10);
//   }
//
// Contract: get() reads, set() writes; `operator T`, `=` and the compound
// operators are a read and/or a write each. Under `weft::check` each access
// outside a primitive's operation is a scheduling point. Accesses that
// bypass this interface (through a pointer to the value) are invisible.
#pragma once

#include <type_traits>
#include <utility>

#include "weft/seam/runtime.hpp"
#include "weft/source_location.hpp"

namespace weft {

template <typename T>
class shared {
  using loc = weft::source_location;

 public:
  using value_type = T;

  constexpr shared() = default;
  constexpr shared(T initial) : value_(std::move(initial)) {}  // NOLINT: a value wrapper
  shared(const shared&) = delete;
  shared& operator=(const shared&) = delete;

  [[nodiscard]] T get(loc where = loc::current()) const {
    note(false, where);
    return value_;
  }
  void set(T value, loc where = loc::current()) {
    note(true, where);
    value_ = std::move(value);
  }

  operator T() const { return get(); }  // NOLINT: a value wrapper
  shared& operator=(T value) {
    set(std::move(value));
    return *this;
  }
  shared& operator+=(const T& arg) {
    set(get() + arg);
    return *this;
  }
  shared& operator-=(const T& arg) {
    set(get() - arg);
    return *this;
  }
  shared& operator++() {
    set(get() + 1);
    return *this;
  }
  shared& operator--() {
    set(get() - 1);
    return *this;
  }

 private:
  void note(bool is_write, loc where) const {
    if (seam::runtime* rt = seam::active()) [[unlikely]] {
      rt->plain_access(&value_, is_write, where);
    }
  }

  T value_{};
};

}  // namespace weft
