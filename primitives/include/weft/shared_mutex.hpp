// weft/shared_mutex.hpp
//
// `weft::shared_mutex`: a futex-based readers-writer lock. Any number of
// readers may hold it together (shared mode), or one writer alone
// (exclusive mode). Neither side can starve the other.
//
// It has std::shared_timed_mutex's interface, so it works with
// std::unique_lock, std::lock_guard and std::scoped_lock for writing and
// with std::shared_lock for reading, timed variants included. Those guards
// (scoped_lock of one weft lock or several) are specialized for it so that reports name
// the line that uses the guard, not the standard header's
// (weft/internal/std_lock_sites.hpp).
//
//   weft::shared_mutex m;
//   std::map<std::string, int> table WEFT_GUARDED_BY(m);
//
//   std::optional<int> find(const std::string& key) {
//     std::shared_lock lock(m);             // readers run in parallel
//     auto it = table.find(key);
//     return it == table.end() ? std::nullopt : std::optional(it->second);
//   }
//
//   void put(const std::string& key, int value) {
//     std::unique_lock lock(m);             // one writer, no readers
//     table[key] = value;
//   }
//
// Cost: uncontended, each of lock_shared(), unlock_shared(), lock() and
// unlock() is one atomic read-modify-write (a compare-and-swap after a plain
// load; unlock_shared() is a single fetch-and-subtract when WEFT_CHECKS is
// off, since only the underflow check needs the compare-and-swap). None
// makes a system call unless someone is parked. The object is 24 bytes: the
// state word, two park words and the writer's id for misuse checks. Readers
// still share one cache line, so read-mostly workloads with very short read
// sections on many cores scale less than a sharded lock would.
//
// Blocking: a thread that cannot enter spins for about a microsecond, then
// parks in the kernel: readers on one park word, writers on another, so that
// a release wakes only the side that may now proceed.
//
// Fairness (a phase-fair policy):
//   * Writers first: once a writer waits, arriving readers queue behind it
//     instead of joining the readers inside. The readers inside drain and
//     the writer gets in: a stream of readers cannot starve a writer.
//   * Then readers: when a writer unlocks, every reader that queued while it
//     waited or held the lock is admitted at once, in the same atomic step
//     that releases the writer, before any other writer can get in. A stream
//     of writers cannot starve readers: a reader waits for at most one
//     writer's turn (plus the readers ahead of that writer).
//   * Among writers there is no FIFO order: an unlock wakes one parked
//     writer, and a writer that arrives meanwhile may get in first.
//
// State word (64 bits; the park words are separate 32-bit generation
// counters that a waker bumps before waking, so a waiter never parks on a
// stale value):
//
//   field            bits  meaning
//   readers          21    readers holding the lock (including admitted
//                          readers that have not yet woken up)
//   waiting readers  21    readers queued behind a writer
//   waiting writers  20    writers registered as waiting (they block readers)
//   writer held      1     a writer holds the lock
//   phase            1     flips each time a writer's unlock admits the
//                          waiting readers: how a queued reader learns that
//                          it was admitted
//
// Counts rather than bits, because a timed waiter that gives up must remove
// exactly itself: the last writer to stop waiting lets the queued readers
// go, and a reader that times out can tell from the phase whether it was
// admitted just before (it then returns true rather than abandon a lock it
// holds).
//
//   operation                  when                         effect
//   lock_shared                no writer holds or waits     readers + 1
//                              otherwise                    waiting readers + 1, park
//   lock                       no reader, no writer holds   writer held
//                              otherwise                    waiting writers + 1, park
//   unlock_shared              last reader, writers wait    wake one writer
//   unlock                     readers wait                 readers += waiting readers,
//                                                           flip phase, wake all readers
//                              otherwise, writers wait      wake one writer
//   timed lock gives up        last waiting writer, no      wake the waiting readers
//                              writer holds                 (they may enter now)
//
// Limits: at most 2^21 - 1 readers holding or queued, and 2^20 - 1 writers
// waiting, at any one time (more threads than Linux allows a process).
//
// Invalid operations (checked when WEFT_CHECKS is on, see weft/misuse.hpp):
//   * unlock() by a thread that does not hold the lock exclusively (including
//     when no one does): reported; if the handler returns, the unlock is
//     ignored.
//   * unlock_shared() when no reader holds the lock: reported; if the handler
//     returns, ignored. (An unlock_shared() by a thread that holds no shared
//     lock while other readers do is not detected: readers are anonymous.)
//   * lock() or lock_shared() by the thread that holds the lock exclusively:
//     reported; if the handler returns, the call throws
//     std::system_error(resource_deadlock_would_occur) instead of hanging.
//     (Taking it again while holding it shared is not detected.)
//   * destroying a shared_mutex that is held or waited for: reported.
//
// With WEFT_CHECKS off these are undefined behaviour, as for
// std::shared_mutex.
//
// Deadlock detection: with weft/deadlock_detector.hpp's detector on, every
// reader counts as an owner; lock(), lock_shared() and the timed variants
// may throw weft::deadlock_error (in its throw mode) before registering as
// waiters, with the state unchanged. The detector does see a thread that
// takes the lock exclusively while it holds it shared (an upgrade): a
// deadlock with itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "weft/internal/deadlock_hooks.hpp"
#include "weft/internal/lock_owner.hpp"
#include "weft/internal/std_lock_sites.hpp"
#include "weft/internal/thread_annotations.hpp"
#include "weft/misuse.hpp"
#include "weft/seam.hpp"
#include "weft/source_location.hpp"

namespace weft {

class WEFT_CAPABILITY("shared_mutex") shared_mutex {
 public:
  constexpr shared_mutex() noexcept = default;
  shared_mutex(const shared_mutex&) = delete;
  shared_mutex& operator=(const shared_mutex&) = delete;

  // Requires: the lock is neither held nor waited for (checked).
  ~shared_mutex();

  // ---- Exclusive (writer) side ----

  // Blocks until the calling thread holds the lock exclusively.
  //
  // Requires: the calling thread does not hold it exclusively (checked) or
  // shared.
  void lock(weft::source_location where = weft::source_location::current()) WEFT_ACQUIRE() {
    seam::observe(this, type_name, seam::op_kind::lock, where, [this, where] {
      if constexpr (WEFT_CHECKS) check_not_writer(where);
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::request(this, type_name, lock_mode::exclusive, where);
      }
      std::uint64_t s = state_.load(std::memory_order_relaxed, where);
      if (!writer_may_enter(s) ||
          !state_.compare_exchange_strong(s, s | writer_held, std::memory_order_acquire,
                                          std::memory_order_relaxed, where)) [[unlikely]] {
        lock_slow(std::nullopt, where);
      }
      if constexpr (WEFT_CHECKS) owner_.set_to_caller();
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
      }
    });
  }

  // Takes the lock exclusively if no one holds it right now; never blocks.
  // May succeed while other writers wait (it does not queue).
  [[nodiscard]] bool try_lock(weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) {
    return seam::observe(this, type_name, seam::op_kind::try_lock, where, [this, where] {
      bool ok = false;
      std::uint64_t s = state_.load(std::memory_order_relaxed, where);
      while (writer_may_enter(s)) {
        if (state_.compare_exchange_weak(s, s | writer_held, std::memory_order_acquire,
                                         std::memory_order_relaxed, where)) {
          ok = true;
          break;
        }
      }
      if constexpr (WEFT_CHECKS) {
        if (ok) owner_.set_to_caller();
      }
      if (ok && internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
      }
      return ok;
    });
  }

  // Blocks until the calling thread holds the lock exclusively or `timeout`
  // has passed; returns whether it got the lock.
  template <typename Rep, typename Period>
  [[nodiscard]] bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout,
                                  weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) {
    return timed_lock(seam::deadline_after(timeout), where);
  }

  // Blocks until the calling thread holds the lock exclusively or `deadline`
  // is reached; returns whether it got the lock.
  template <typename Clock, typename Duration>
  [[nodiscard]] bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline,
                                    weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) {
    return timed_lock(seam::to_seam_deadline(deadline), where);
  }

  // Releases exclusive ownership: admits every queued reader if there are
  // any, else wakes one waiting writer.
  //
  // Requires: the calling thread holds the lock exclusively (checked).
  void unlock(weft::source_location where = weft::source_location::current()) WEFT_RELEASE() {
    seam::observe(this, type_name, seam::op_kind::unlock, where, [this, where] {
      if constexpr (WEFT_CHECKS) {
        if (!owner_.check_for_unlock({this, type_name}, where)) return;
        owner_.clear();
      }
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::released(this, lock_mode::exclusive);
      }
      std::uint64_t s = state_.load(std::memory_order_relaxed, where);
      if ((s & ~phase_bit) != writer_held ||
          !state_.compare_exchange_strong(s, s & ~writer_held, std::memory_order_release,
                                          std::memory_order_relaxed, where)) [[unlikely]] {
        unlock_slow(where);
      }
    });
  }

  // Reports a misuse unless the calling thread holds the lock exclusively.
  // A debugging aid and an annotation for the thread-safety analysis; does
  // nothing when WEFT_CHECKS is off.
  void assert_held(weft::source_location where = weft::source_location::current()) const
      WEFT_ASSERT_CAPABILITY(this) {
    if constexpr (WEFT_CHECKS) owner_.check_held({this, type_name}, where);
  }

  // ---- Shared (reader) side ----

  // Blocks until the calling thread holds the lock shared. Queues behind a
  // writer that holds or waits for the lock.
  //
  // Requires: the calling thread does not hold the lock exclusively
  // (checked) or shared.
  void lock_shared(weft::source_location where = weft::source_location::current())
      WEFT_ACQUIRE_SHARED() {
    seam::observe(this, type_name, seam::op_kind::lock_shared, where, [this, where] {
      if constexpr (WEFT_CHECKS) check_not_writer(where);
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::request(this, type_name, lock_mode::shared, where);
      }
      std::uint64_t s = state_.load(std::memory_order_relaxed, where);
      if (!reader_may_enter(s) ||
          !state_.compare_exchange_strong(s, s + reader_one, std::memory_order_acquire,
                                          std::memory_order_relaxed, where)) [[unlikely]] {
        lock_shared_slow(std::nullopt, where);
      }
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::shared, where);
      }
    });
  }

  // Takes the lock shared if no writer holds or waits for it right now;
  // never blocks.
  [[nodiscard]] bool try_lock_shared(weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE_SHARED(true) {
    return seam::observe(this, type_name, seam::op_kind::try_lock_shared, where, [this, where] {
      std::uint64_t s = state_.load(std::memory_order_relaxed, where);
      while (reader_may_enter(s)) {
        if (state_.compare_exchange_weak(s, s + reader_one, std::memory_order_acquire,
                                         std::memory_order_relaxed, where)) {
          if (internal::deadlock::on()) [[unlikely]] {
            internal::deadlock::acquired(this, type_name, lock_mode::shared, where);
          }
          return true;
        }
      }
      return false;
    });
  }

  // Blocks until the calling thread holds the lock shared or `timeout` has
  // passed; returns whether it got the lock.
  template <typename Rep, typename Period>
  [[nodiscard]] bool try_lock_shared_for(
      const std::chrono::duration<Rep, Period>& timeout,
      weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE_SHARED(true) {
    return timed_lock_shared(seam::deadline_after(timeout), where);
  }

  // Blocks until the calling thread holds the lock shared or `deadline` is
  // reached; returns whether it got the lock.
  template <typename Clock, typename Duration>
  [[nodiscard]] bool try_lock_shared_until(
      const std::chrono::time_point<Clock, Duration>& deadline,
      weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE_SHARED(true) {
    return timed_lock_shared(seam::to_seam_deadline(deadline), where);
  }

  // Releases one shared hold; the last reader out wakes a waiting writer.
  //
  // Requires: the calling thread holds the lock shared (an unlock_shared()
  // with no reader inside is checked).
  void unlock_shared(weft::source_location where = weft::source_location::current())
      WEFT_RELEASE_SHARED() {
    seam::observe(this, type_name, seam::op_kind::unlock_shared, where, [this, where] {
      // Before the release: what the detector believes held is held. (An
      // underflow reported below has no record to drop.)
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::released(this, lock_mode::shared);
      }
      std::uint64_t before = 0;
      if constexpr (WEFT_CHECKS) {
        // A compare-and-swap, so that an underflow is caught before it
        // borrows from the waiting-readers field.
        before = state_.load(std::memory_order_relaxed, where);
        do {
          if (readers(before) == 0) [[unlikely]] {
            report_reader_underflow(where);
            return;
          }
        } while (!state_.compare_exchange_weak(before, before - reader_one,
                                               std::memory_order_release, std::memory_order_relaxed,
                                               where));
      } else {
        before = state_.fetch_sub(reader_one, std::memory_order_release, where);
      }
      if (readers(before) == 1 && waiting_writers(before) != 0) [[unlikely]] {
        wake_writer(where);
      }
    });
  }

  // ---- Diagnostics (for tests; each answer may be stale at once) ----

  // Whether a writer holds the lock.
  [[nodiscard]] bool is_locked_for_diagnostics() const noexcept {
    return (diagnostic_state() & writer_held) != 0;
  }
  // How many readers hold the lock (admitted readers not yet awake
  // included).
  [[nodiscard]] std::uint32_t readers_for_diagnostics() const noexcept {
    return static_cast<std::uint32_t>(readers(diagnostic_state()));
  }
  // How many readers are queued behind a writer.
  [[nodiscard]] std::uint32_t waiting_readers_for_diagnostics() const noexcept {
    return static_cast<std::uint32_t>(waiting_readers(diagnostic_state()));
  }
  // How many writers are registered as waiting (a writer still spinning
  // before it parks is not counted).
  [[nodiscard]] std::uint32_t waiting_writers_for_diagnostics() const noexcept {
    return static_cast<std::uint32_t>(waiting_writers(diagnostic_state()));
  }

  static constexpr std::string_view type_name = "weft::shared_mutex";

 private:
  // State word layout (see the table in the file comment).
  static constexpr int reader_bits = 21;
  static constexpr int waiting_reader_shift = reader_bits;
  static constexpr int waiting_writer_shift = 2 * reader_bits;
  static constexpr std::uint64_t reader_one = 1;
  static constexpr std::uint64_t reader_field = (std::uint64_t{1} << reader_bits) - 1;
  static constexpr std::uint64_t waiting_reader_one = std::uint64_t{1} << waiting_reader_shift;
  static constexpr std::uint64_t waiting_writer_one = std::uint64_t{1} << waiting_writer_shift;
  static constexpr std::uint64_t waiting_writer_field = (std::uint64_t{1} << 20) - 1;
  static constexpr std::uint64_t writer_held = std::uint64_t{1} << 62;
  static constexpr std::uint64_t phase_bit = std::uint64_t{1} << 63;

  static constexpr std::uint64_t readers(std::uint64_t s) noexcept { return s & reader_field; }
  static constexpr std::uint64_t waiting_readers(std::uint64_t s) noexcept {
    return (s >> waiting_reader_shift) & reader_field;
  }
  static constexpr std::uint64_t waiting_writers(std::uint64_t s) noexcept {
    return (s >> waiting_writer_shift) & waiting_writer_field;
  }
  // A new reader enters only if no writer holds the lock or waits for it
  // (writers first).
  static constexpr bool reader_may_enter(std::uint64_t s) noexcept {
    return (s & writer_held) == 0 && waiting_writers(s) == 0;
  }
  static constexpr bool writer_may_enter(std::uint64_t s) noexcept {
    return (s & writer_held) == 0 && readers(s) == 0;
  }

  // Inline, like every place that reads or writes owner_, so that the
  // consumer's WEFT_CHECKS setting governs all of them consistently.
  bool timed_lock(seam::time_point deadline, weft::source_location where) {
    return seam::observe(this, type_name, seam::op_kind::try_lock, where, [this, where, deadline] {
      if constexpr (WEFT_CHECKS) check_not_writer(where);
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::request(this, type_name, lock_mode::exclusive, where);
      }
      std::uint64_t s = state_.load(std::memory_order_relaxed, where);
      const bool ok = (writer_may_enter(s) &&
                       state_.compare_exchange_strong(s, s | writer_held, std::memory_order_acquire,
                                                      std::memory_order_relaxed, where)) ||
                      lock_slow(deadline, where);
      if constexpr (WEFT_CHECKS) {
        if (ok) owner_.set_to_caller();
      }
      if (internal::deadlock::on()) [[unlikely]] {
        detector_after_timed(ok, lock_mode::exclusive, where);
      }
      return ok;
    });
  }
  bool timed_lock_shared(seam::time_point deadline, weft::source_location where) {
    return seam::observe(
        this, type_name, seam::op_kind::try_lock_shared, where, [this, where, deadline] {
          if constexpr (WEFT_CHECKS) check_not_writer(where);
          if (internal::deadlock::on()) [[unlikely]] {
            internal::deadlock::request(this, type_name, lock_mode::shared, where);
          }
          std::uint64_t s = state_.load(std::memory_order_relaxed, where);
          const bool ok = (reader_may_enter(s) && state_.compare_exchange_strong(
                                                      s, s + reader_one, std::memory_order_acquire,
                                                      std::memory_order_relaxed, where)) ||
                          lock_shared_slow(deadline, where);
          if (internal::deadlock::on()) [[unlikely]] {
            detector_after_timed(ok, lock_mode::shared, where);
          }
          return ok;
        });
  }
  void detector_after_timed(bool ok, lock_mode mode, weft::source_location where) {
    if (ok) {
      internal::deadlock::acquired(this, type_name, mode, where);
    } else {
      internal::deadlock::abandoned(this);
    }
  }
  void check_not_writer(weft::source_location where) const {
    owner_.check_not_owner({this, type_name},
                           "lock by the thread that holds it exclusively (not recursive)", where);
  }

  bool lock_slow(std::optional<seam::time_point> deadline, weft::source_location where);
  bool give_up_writing(std::uint64_t s, weft::source_location where);
  void unlock_slow(weft::source_location where);
  bool lock_shared_slow(std::optional<seam::time_point> deadline, weft::source_location where);
  bool give_up_reading(std::uint64_t s, std::uint64_t phase, weft::source_location where);
  void wake_writer(weft::source_location where);
  void wake_readers(weft::source_location where);
  void report_reader_underflow(weft::source_location where) const;
  [[nodiscard]] std::uint64_t diagnostic_state() const noexcept {
    return state_.native().load(std::memory_order_relaxed);
  }

  seam::atomic<std::uint64_t> state_{0};
  // Park words: generation counters bumped by every wake of their side.
  seam::atomic<std::uint32_t> reader_gate_{0};
  seam::atomic<std::uint32_t> writer_gate_{0};
  // The exclusive holder, kept only for misuse checks (present whatever
  // WEFT_CHECKS says, so that every translation unit agrees on the layout).
  internal::lock_owner owner_;
};

// std::lock_guard and the other std guards of a weft::shared_mutex pass their
// caller's line to it (weft/internal/std_lock_sites.hpp).
template <>
inline constexpr bool internal::std_guards_record_sites<shared_mutex> = true;

}  // namespace weft
