// weft/atomic.hpp
//
// `weft::atomic<T>`: std::atomic<T> for code that weft can check. Natively
// each operation is the std::atomic operation plus the seam's one branch;
// under `weft::check` each operation is a scheduling point (at scenario
// grain, when made outside a primitive's operation) and is recorded in the
// trace with its call site.
//
//   weft::atomic<int> counter{0};
//   counter.fetch_add(1);              // or ++counter
//   int seen = counter.load(std::memory_order_acquire);
//
// Contract: the interface and semantics of std::atomic<T> for integral and
// pointer T (and any trivially copyable T for load/store/exchange/CAS). All
// memory orders are accepted; the checker currently explores sequentially
// consistent executions only, so it never shows a weak-memory outcome. Every
// operation takes a defaulted `weft::source_location` as its last parameter.
// Operators (`=`, `++`, `+=`, conversion to T) are seq_cst, as in std.
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>

#include "weft/seam/atomic.hpp"
#include "weft/source_location.hpp"

namespace weft {

template <typename T>
class atomic {
  using loc = weft::source_location;
  static constexpr bool arithmetic = std::is_integral_v<T> && !std::is_same_v<T, bool>;
  static constexpr bool pointer = std::is_pointer_v<T>;
  // std::atomic<T*> arithmetic counts elements.
  using difference_type = std::conditional_t<pointer, std::ptrdiff_t, T>;

 public:
  using value_type = T;
  static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;

  constexpr atomic() noexcept = default;
  constexpr atomic(T initial) noexcept : value_(initial) {}  // NOLINT: as std::atomic
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  [[nodiscard]] T load(std::memory_order order = std::memory_order_seq_cst,
                       loc where = loc::current()) const {
    return value_.load(order, where);
  }
  void store(T desired, std::memory_order order = std::memory_order_seq_cst,
             loc where = loc::current()) {
    value_.store(desired, order, where);
  }
  T exchange(T desired, std::memory_order order = std::memory_order_seq_cst,
             loc where = loc::current()) {
    return value_.exchange(desired, order, where);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst,
                               loc where = loc::current()) {
    return value_.compare_exchange_strong(expected, desired, order, where);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, loc where = loc::current()) {
    return value_.compare_exchange_strong(expected, desired, success, failure, where);
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order order = std::memory_order_seq_cst,
                             loc where = loc::current()) {
    return value_.compare_exchange_weak(expected, desired, order, where);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure, loc where = loc::current()) {
    return value_.compare_exchange_weak(expected, desired, success, failure, where);
  }

  T fetch_add(difference_type arg, std::memory_order order = std::memory_order_seq_cst,
              loc where = loc::current()) requires(arithmetic || pointer) {
    return value_.fetch_add(arg, order, where);
  }
  T fetch_sub(difference_type arg, std::memory_order order = std::memory_order_seq_cst,
              loc where = loc::current()) requires(arithmetic || pointer) {
    return value_.fetch_sub(arg, order, where);
  }
  T fetch_and(T arg, std::memory_order order = std::memory_order_seq_cst,
              loc where = loc::current()) requires arithmetic {
    return value_.fetch_and(arg, order, where);
  }
  T fetch_or(T arg, std::memory_order order = std::memory_order_seq_cst,
             loc where = loc::current()) requires arithmetic {
    return value_.fetch_or(arg, order, where);
  }
  T fetch_xor(T arg, std::memory_order order = std::memory_order_seq_cst,
              loc where = loc::current()) requires arithmetic {
    return value_.fetch_xor(arg, order, where);
  }

  [[nodiscard]] bool is_lock_free() const noexcept { return is_always_lock_free; }

  // Operators: seq_cst; their call site is this header, so prefer the named
  // functions where a trace should point at the caller's line.
  operator T() const { return load(); }  // NOLINT: as std::atomic
  T operator=(T desired) {  // NOLINT(misc-unconventional-assign-operator): as std::atomic
    store(desired);
    return desired;
  }
  T operator++() requires(arithmetic || pointer) { return fetch_add(1) + 1; }
  T operator++(int) requires(arithmetic || pointer) { return fetch_add(1); }
  T operator--() requires(arithmetic || pointer) { return fetch_sub(1) - 1; }
  T operator--(int) requires(arithmetic || pointer) { return fetch_sub(1); }
  T operator+=(difference_type arg) requires(arithmetic || pointer) { return fetch_add(arg) + arg; }
  T operator-=(difference_type arg) requires(arithmetic || pointer) { return fetch_sub(arg) - arg; }
  T operator&=(T arg) requires arithmetic { return fetch_and(arg) & arg; }
  T operator|=(T arg) requires arithmetic { return fetch_or(arg) | arg; }
  T operator^=(T arg) requires arithmetic { return fetch_xor(arg) ^ arg; }

 private:
  seam::atomic<T> value_;
};

}  // namespace weft
