// weft/internal/deadlock_hooks.hpp
//
// The seam between weft's lock types and the runtime deadlock detector
// (weft/deadlock_detector.hpp): one process-wide flag word and the hooks a
// lock calls when the flag says the detector is on.
//
// Each lock calls, through `if (internal::deadlock::on()) [[unlikely]]`:
//
//   hook        where                                       may throw
//   request     entry of a blocking acquisition (lock(),    deadlock_error (a
//               lock_shared(), timed variants), before it   lock-order inversion
//               changes any state: lock-order edges         in throw mode)
//   block       in the slow path, after the brief spin and  deadlock_error (a
//               before the thread registers as a waiter     deadlock in throw
//               and parks: the wait-for edge and the cycle  mode)
//               check
//   acquired    after every successful acquisition,         no
//               try_lock included: ownership (and the end
//               of the wait, if any)
//   abandoned   a timed acquisition that gave up            no
//   released    in unlock(), after the misuse checks and    no
//               before the lock word is released
//   destroyed   the lock's destructor (also when only lock  no
//               names are recorded): forget the address
//
// Ownership is recorded after the lock is taken and dropped before it is
// released, so what the detector believes is held is always held.
//
// Cost when the detector is compiled in but off: one relaxed load of
// `g_flags` and a predictable branch per hook site. Compiled out
// (WEFT_DEADLOCK_DETECTOR=0, CMake option of the same name) `on()` is a
// constant false and the hook sites vanish. Every hook returns at once on a
// thread where a seam runtime is installed: under a checker, model threads
// are fibers on one OS thread, and the checker has its own wait-for and
// lock-order graphs.
//
// The flag is a plain std::atomic rather than a seam atomic for the same
// reason as seam::internal::g_runtimes_installed: it is diagnostic
// configuration, never synchronizes a primitive, and a checker must not see
// it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "weft/source_location.hpp"

// Set by the weft::primitives target (CMake option WEFT_DEADLOCK_DETECTOR);
// a translation unit built without CMake gets the detector.
#ifndef WEFT_DEADLOCK_DETECTOR
#define WEFT_DEADLOCK_DETECTOR 1
#endif

namespace weft {

// How a lock is held or requested: exclusively (a writer, or any exclusive
// lock) or shared (a reader of a weft::shared_mutex).
enum class lock_mode : std::uint8_t { exclusive, shared };

namespace internal::deadlock {

inline constexpr std::uint32_t enabled_bit = 1;  // the detector is on
inline constexpr std::uint32_t names_bit = 2;    // some lock has a name

extern std::atomic<std::uint32_t> g_flags;

// Whether locks must call the hooks.
[[nodiscard]] inline bool on() noexcept {
#if WEFT_DEADLOCK_DETECTOR
  return (g_flags.load(std::memory_order_relaxed) & enabled_bit) != 0;
#else
  return false;
#endif
}

// Whether a lock's destructor must call destroyed().
[[nodiscard]] inline bool tracks_destruction() noexcept {
#if WEFT_DEADLOCK_DETECTOR
  return g_flags.load(std::memory_order_relaxed) != 0;
#else
  return false;
#endif
}

void request(const void* lock, std::string_view type, lock_mode mode, weft::source_location where);
// `can_back_out`: false when the lock's state already commits the thread to
// waiting (a ticket_lock ticket drawn): a deadlock found then is reported as
// in report mode even if the reaction is throw.
void block(const void* lock, std::string_view type, lock_mode mode, bool timed, bool can_back_out,
           weft::source_location where);
void acquired(const void* lock, std::string_view type, lock_mode mode,
              weft::source_location where) noexcept;
void abandoned(const void* lock) noexcept;
void released(const void* lock, lock_mode mode) noexcept;
void destroyed(const void* lock) noexcept;

}  // namespace internal::deadlock
}  // namespace weft
