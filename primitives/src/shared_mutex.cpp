#include "weft/shared_mutex.hpp"

namespace weft {

namespace {

// How many times a blocked thread re-checks the state before it registers
// as waiting and parks: about a microsecond, long enough to ride out a short
// critical section, short enough not to matter when parking is inevitable.
constexpr int spin_limit = 100;

bool deadline_passed(const std::optional<seam::time_point>& deadline) {
  return deadline && seam::now() >= *deadline;
}

}  // namespace

shared_mutex::~shared_mutex() {
  if (internal::deadlock::tracks_destruction()) [[unlikely]] {
    internal::deadlock::destroyed(this);
  }
  if constexpr (WEFT_CHECKS) {
    if ((state_.load(std::memory_order_relaxed) & ~phase_bit) != 0) {
      seam::report_misuse({{this, type_name},
                           seam::current_thread_id(),
                           owner_.get(),
                           "destroyed while locked",
                           weft::source_location::current()});
    }
  }
}

// ---- Writers ----

bool shared_mutex::lock_slow(std::optional<seam::time_point> deadline,
                             weft::source_location where) {
  // Spin only natively: under a checker, spinning adds steps and no
  // behaviour (the loops below take the same transitions).
  if (seam::active() == nullptr) {
    for (int i = 0; i < spin_limit; ++i) {
      std::uint64_t s = state_.load(std::memory_order_relaxed, where);
      if (writer_may_enter(s) &&
          state_.compare_exchange_weak(s, s | writer_held, std::memory_order_acquire,
                                       std::memory_order_relaxed, where)) {
        return true;
      }
      seam::cpu_relax();
    }
  }

  // About to register as a waiter and park: tell the deadlock detector
  // (which may throw; nothing has changed yet).
  if (internal::deadlock::on() && !deadline_passed(deadline)) [[unlikely]] {
    internal::deadlock::block(this, type_name, lock_mode::exclusive, deadline.has_value(), true,
                              where);
  }

  // Enter, or register as waiting: from then on new readers queue.
  std::uint64_t s = state_.load(std::memory_order_relaxed, where);
  for (;;) {
    if (writer_may_enter(s)) {
      if (state_.compare_exchange_weak(s, s | writer_held, std::memory_order_acquire,
                                       std::memory_order_relaxed, where)) {
        return true;
      }
      continue;
    }
    if (deadline_passed(deadline)) return false;
    if (state_.compare_exchange_weak(s, s + waiting_writer_one, std::memory_order_relaxed,
                                     std::memory_order_relaxed, where)) {
      break;
    }
  }

  for (;;) {
    // Gate before state: a waker changes the state, then bumps the gate. If
    // this read of the gate is from before the bump, the wait below fails at
    // once; if from after, the state read below sees the change.
    const std::uint32_t gate = writer_gate_.load(std::memory_order_acquire, where);
    s = state_.load(std::memory_order_acquire, where);
    if (writer_may_enter(s)) {
      if (state_.compare_exchange_weak(s, (s - waiting_writer_one) | writer_held,
                                       std::memory_order_acquire, std::memory_order_relaxed,
                                       where)) {
        return true;
      }
      continue;
    }
    if (deadline_passed(deadline)) return give_up_writing(s, where);
    seam::futex_wait(writer_gate_, gate, deadline);
  }
}

bool shared_mutex::give_up_writing(std::uint64_t s, weft::source_location where) {
  for (;;) {
    // We may have consumed the wake-up meant for the next writer: never
    // leave while the lock is free; take it instead.
    if (writer_may_enter(s)) {
      if (state_.compare_exchange_weak(s, (s - waiting_writer_one) | writer_held,
                                       std::memory_order_acquire, std::memory_order_relaxed,
                                       where)) {
        return true;
      }
      continue;
    }
    const std::uint64_t after = s - waiting_writer_one;
    // The last waiting writer leaving, with no writer holding the lock: the
    // queued readers waited only because of waiting writers, and no unlock
    // will come to admit them. They may enter on their own now.
    const bool free_readers =
        waiting_writers(after) == 0 && (s & writer_held) == 0 && waiting_readers(s) != 0;
    if (state_.compare_exchange_weak(s, after, std::memory_order_relaxed, std::memory_order_relaxed,
                                     where)) {
      if (free_readers) wake_readers(where);
      return false;
    }
  }
}

void shared_mutex::unlock_slow(weft::source_location where) {
  std::uint64_t s = state_.load(std::memory_order_relaxed, where);
  for (;;) {
    std::uint64_t after = s & ~writer_held;
    const std::uint64_t queued = waiting_readers(s);
    if (queued != 0) {
      // Admit every queued reader in the same step that releases the lock,
      // so no writer can slip in between (readers' turn), and flip the phase
      // so that each of them can tell it was admitted.
      after = (after - queued * waiting_reader_one + queued * reader_one) ^ phase_bit;
    }
    if (state_.compare_exchange_weak(s, after, std::memory_order_release, std::memory_order_relaxed,
                                     where)) {
      if (queued != 0) {
        // The waiting writers' turn comes when the last of these readers
        // leaves (unlock_shared wakes one).
        wake_readers(where);
      } else if (waiting_writers(s) != 0) {
        wake_writer(where);
      }
      return;
    }
  }
}

// ---- Readers ----

bool shared_mutex::lock_shared_slow(std::optional<seam::time_point> deadline,
                                    weft::source_location where) {
  if (seam::active() == nullptr) {
    for (int i = 0; i < spin_limit; ++i) {
      std::uint64_t s = state_.load(std::memory_order_relaxed, where);
      if (reader_may_enter(s) &&
          state_.compare_exchange_weak(s, s + reader_one, std::memory_order_acquire,
                                       std::memory_order_relaxed, where)) {
        return true;
      }
      seam::cpu_relax();
    }
  }

  if (internal::deadlock::on() && !deadline_passed(deadline)) [[unlikely]] {
    internal::deadlock::block(this, type_name, lock_mode::shared, deadline.has_value(), true,
                              where);
  }

  // Enter, or queue behind the writer, remembering the phase: a writer's
  // unlock that admits us flips it.
  std::uint64_t s = state_.load(std::memory_order_relaxed, where);
  std::uint64_t phase = 0;
  for (;;) {
    if (reader_may_enter(s)) {
      if (state_.compare_exchange_weak(s, s + reader_one, std::memory_order_acquire,
                                       std::memory_order_relaxed, where)) {
        return true;
      }
      continue;
    }
    if (deadline_passed(deadline)) return false;
    if (state_.compare_exchange_weak(s, s + waiting_reader_one, std::memory_order_relaxed,
                                     std::memory_order_relaxed, where)) {
      phase = s & phase_bit;
      break;
    }
  }

  for (;;) {
    // Gate before state, as for writers.
    const std::uint32_t gate = reader_gate_.load(std::memory_order_acquire, where);
    s = state_.load(std::memory_order_acquire, where);
    // Admitted: an unlock counted us among the readers. The phase cannot
    // have flipped twice, since the next flip needs a writer to hold the
    // lock, which needs us (now a reader) to have left.
    if ((s & phase_bit) != phase) return true;
    if (reader_may_enter(s)) {
      // The writers we queued behind gave up waiting: enter by ourselves.
      if (state_.compare_exchange_weak(s, s - waiting_reader_one + reader_one,
                                       std::memory_order_acquire, std::memory_order_relaxed,
                                       where)) {
        return true;
      }
      continue;
    }
    if (deadline_passed(deadline)) return give_up_reading(s, phase, where);
    seam::futex_wait(reader_gate_, gate, deadline);
  }
}

bool shared_mutex::give_up_reading(std::uint64_t s, std::uint64_t phase,
                                   weft::source_location where) {
  // Every failed compare-and-swap below re-reads the state with acquire:
  // the value may show that a writer's unlock admitted us, and we then
  // enter without another read, so it must synchronize with that unlock.
  for (;;) {
    // Admitted just before the deadline: we hold the lock, so say so rather
    // than leave a reader count no one will release.
    if ((s & phase_bit) != phase) return true;
    if (reader_may_enter(s)) {
      if (state_.compare_exchange_weak(s, s - waiting_reader_one + reader_one,
                                       std::memory_order_acquire, std::memory_order_acquire,
                                       where)) {
        return true;
      }
      continue;
    }
    // Still queued: leave the queue. No one waits for queued readers, so
    // there is no one to wake.
    if (state_.compare_exchange_weak(s, s - waiting_reader_one, std::memory_order_acquire,
                                     std::memory_order_acquire, where)) {
      return false;
    }
  }
}

// ---- Wake-ups ----

void shared_mutex::wake_writer(weft::source_location where) {
  // Release: a writer that reads the new generation then reads the state
  // change that preceded it (see lock_slow).
  writer_gate_.fetch_add(1, std::memory_order_release, where);
  seam::futex_wake_one(writer_gate_);
}

void shared_mutex::wake_readers(weft::source_location where) {
  reader_gate_.fetch_add(1, std::memory_order_release, where);
  seam::futex_wake_all(reader_gate_);
}

void shared_mutex::report_reader_underflow(weft::source_location where) const {
  seam::report_misuse({{this, type_name},
                       seam::current_thread_id(),
                       0,
                       "unlock_shared with no shared lock held",
                       where});
}

}  // namespace weft
