// weft/seam/atomic.hpp
//
// `seam::atomic<T>`: the only atomic type weft's primitives use. It has the
// interface of std::atomic<T> (for the operations the primitives need) and
// reports every access to the installed runtime, if any, before performing
// it (and, when the runtime asks, right after). Natively it compiles to the std::atomic operation
// plus one predictable branch.
//
// The `where` parameters default to the caller's location, so a checker's
// trace names the line of the primitive's algorithm that performed the
// access.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>
#include "weft/source_location.hpp"

#include "weft/seam/runtime.hpp"

namespace weft::seam {

template <typename T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>, "seam::atomic<T> needs a trivially copyable T");

 public:
  using value_type = T;

  constexpr atomic() noexcept : value_() {}
  constexpr explicit atomic(T initial) noexcept : value_(initial) {}
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  [[nodiscard]] T load(std::memory_order order = std::memory_order_seq_cst,
                       weft::source_location where = weft::source_location::current()) const {
    return access(atomic_op::load, order, where, [&] { return value_.load(order); });
  }

  void store(T desired, std::memory_order order = std::memory_order_seq_cst,
             weft::source_location where = weft::source_location::current()) {
    access(atomic_op::store, order, where, [&] { value_.store(desired, order); });
  }

  T exchange(T desired, std::memory_order order = std::memory_order_seq_cst,
             weft::source_location where = weft::source_location::current()) {
    return access(atomic_op::exchange, order, where,
                  [&] { return value_.exchange(desired, order); });
  }

  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst,
                               weft::source_location where = weft::source_location::current()) {
    return access(atomic_op::compare_exchange, order, where,
                  [&] { return value_.compare_exchange_strong(expected, desired, order); });
  }

  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure,
                               weft::source_location where = weft::source_location::current()) {
    return access(atomic_op::compare_exchange, success, where, [&] {
      return value_.compare_exchange_strong(expected, desired, success, failure);
    });
  }

  // Weak CAS may fail spuriously natively; under a runtime it behaves as the
  // strong form (the runtime models one access).
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order order = std::memory_order_seq_cst,
                             weft::source_location where = weft::source_location::current()) {
    return access(atomic_op::compare_exchange, order, where,
                  [&] { return value_.compare_exchange_weak(expected, desired, order); });
  }

  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure,
                             weft::source_location where = weft::source_location::current()) {
    return access(atomic_op::compare_exchange, success, where, [&] {
      return value_.compare_exchange_weak(expected, desired, success, failure);
    });
  }

  T fetch_add(T arg, std::memory_order order = std::memory_order_seq_cst,
              weft::source_location where =
                  weft::source_location::current()) requires std::is_integral_v<T> {
    return access(atomic_op::fetch_add, order, where, [&] { return value_.fetch_add(arg, order); });
  }

  T fetch_sub(T arg, std::memory_order order = std::memory_order_seq_cst,
              weft::source_location where =
                  weft::source_location::current()) requires std::is_integral_v<T> {
    return access(atomic_op::fetch_sub, order, where, [&] { return value_.fetch_sub(arg, order); });
  }

  // Pointer arithmetic, as std::atomic<T*> offers it (in elements).
  T fetch_add(std::ptrdiff_t arg, std::memory_order order = std::memory_order_seq_cst,
              weft::source_location where =
                  weft::source_location::current()) requires std::is_pointer_v<T> {
    return access(atomic_op::fetch_add, order, where, [&] { return value_.fetch_add(arg, order); });
  }

  T fetch_sub(std::ptrdiff_t arg, std::memory_order order = std::memory_order_seq_cst,
              weft::source_location where =
                  weft::source_location::current()) requires std::is_pointer_v<T> {
    return access(atomic_op::fetch_sub, order, where, [&] { return value_.fetch_sub(arg, order); });
  }

  T fetch_and(T arg, std::memory_order order = std::memory_order_seq_cst,
              weft::source_location where =
                  weft::source_location::current()) requires std::is_integral_v<T> {
    return access(atomic_op::fetch_and, order, where, [&] { return value_.fetch_and(arg, order); });
  }

  T fetch_or(T arg, std::memory_order order = std::memory_order_seq_cst,
             weft::source_location where =
                 weft::source_location::current()) requires std::is_integral_v<T> {
    return access(atomic_op::fetch_or, order, where, [&] { return value_.fetch_or(arg, order); });
  }

  T fetch_xor(T arg, std::memory_order order = std::memory_order_seq_cst,
              weft::source_location where =
                  weft::source_location::current()) requires std::is_integral_v<T> {
    return access(atomic_op::fetch_xor, order, where, [&] { return value_.fetch_xor(arg, order); });
  }

  // The underlying std::atomic, for the seam's own futex calls. Primitives
  // must not access it directly.
  [[nodiscard]] std::atomic<T>& native() noexcept { return value_; }
  [[nodiscard]] const std::atomic<T>& native() const noexcept { return value_; }

 private:
  // Reports the access to the installed runtime, if any, then performs it
  // (and tells the runtime it is done, when the runtime asks to be told).
  // Not [[nodiscard]]: store's is void, and a fetch_add's result is often
  // not needed.
  template <typename Perform>
  decltype(auto) access(  // NOLINT(modernize-use-nodiscard)
      atomic_op op, std::memory_order order, weft::source_location where, Perform perform) const {
    if (runtime* rt = active()) [[unlikely]] {
      if (rt->atomic_access(&value_, op, order, where, &format_value)) {
        if constexpr (std::is_void_v<decltype(perform())>) {
          perform();
          rt->atomic_performed(&value_);
          return;
        } else {
          decltype(auto) result = perform();
          rt->atomic_performed(&value_);
          return result;
        }
      }
    }
    return perform();
  }

  // Under a runtime only, for traces: integers and bool as such, pointers
  // in hex, anything else by size.
  static std::string format_value(const void* address) {
    const T value = static_cast<const std::atomic<T>*>(address)->load(std::memory_order_relaxed);
    if constexpr (std::is_same_v<T, bool>) {
      return value ? "true" : "false";
    } else if constexpr (std::is_integral_v<T>) {
      return std::to_string(value);
    } else if constexpr (std::is_enum_v<T>) {
      return std::to_string(static_cast<std::underlying_type_t<T>>(value));
    } else if constexpr (std::is_pointer_v<T>) {
      char text[3 + 2 * sizeof(std::uintptr_t)];
      std::snprintf(text, sizeof text, "0x%jx",
                    static_cast<std::uintmax_t>(reinterpret_cast<std::uintptr_t>(value)));
      return text;
    } else {
      return "<" + std::to_string(sizeof(T)) + " bytes>";
    }
  }

  std::atomic<T> value_;
};

// `seam::untracked_atomic<T>`: an atomic for diagnostic state only (the
// owner a mutex records for misuse checks, statistics counters). Its
// accesses are not reported to a runtime, because they never decide how
// threads synchronize; keeping them out of a checker's view keeps its
// search small. Never use it for state an algorithm depends on.
template <typename T>
class untracked_atomic {
 public:
  constexpr untracked_atomic() noexcept : value_() {}
  constexpr explicit untracked_atomic(T initial) noexcept : value_(initial) {}
  untracked_atomic(const untracked_atomic&) = delete;
  untracked_atomic& operator=(const untracked_atomic&) = delete;

  [[nodiscard]] T load() const noexcept { return value_.load(std::memory_order_relaxed); }
  void store(T desired) noexcept { value_.store(desired, std::memory_order_relaxed); }
  T fetch_add(T arg) noexcept requires std::is_integral_v<T> {
    return value_.fetch_add(arg, std::memory_order_relaxed);
  }

 private:
  std::atomic<T> value_;
};

}  // namespace weft::seam
