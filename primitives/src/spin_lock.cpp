#include "weft/spin_lock.hpp"

#include <algorithm>

namespace weft {

namespace {

// Backoff between reads of a held lock, in pause instructions: doubles from
// 1 up to this cap. 64 pauses is a few hundred nanoseconds to a couple of
// microseconds depending on the CPU: about one short critical section.
constexpr int max_backoff = 64;

// After this many reads of a held lock, each round also yields the
// processor: the holder has evidently been held up (most likely preempted),
// and only the scheduler can help it.
constexpr int yield_after_reads = 100;

}  // namespace

spin_lock::~spin_lock() {
  if (internal::deadlock::tracks_destruction()) [[unlikely]] {
    internal::deadlock::destroyed(this);
  }
  if constexpr (WEFT_CHECKS) {
    if (locked_.load(std::memory_order_relaxed) != 0) {
      seam::report_misuse({{this, type_name},
                           seam::current_thread_id(),
                           owner_.get(),
                           "destroyed while locked",
                           weft::source_location::current()});
    }
  }
}

void spin_lock::lock_slow(weft::source_location where) {
  // Under a checker every pause is a scheduling point that adds steps and no
  // behaviour: one yield per failed read lets the holder run just as well.
  const bool modelled = seam::active() != nullptr;
  int backoff = 1;
  int reads = 0;
  bool told_detector = false;
  for (;;) {
    // Test: wait, reading only, until the lock looks free.
    while (locked_.load(std::memory_order_relaxed, where) != 0) {
      if (modelled || ++reads > yield_after_reads) {
        // The holder is held up: the moment a parking lock would park, so
        // the one to tell the deadlock detector (it may throw; the lock word
        // is untouched).
        if (!told_detector && !modelled && internal::deadlock::on()) [[unlikely]] {
          internal::deadlock::block(this, type_name, lock_mode::exclusive, false, true, where);
          told_detector = true;
        }
        seam::yield();
      } else {
        for (int i = 0; i < backoff; ++i)
          seam::cpu_relax();
        backoff = std::min(backoff * 2, max_backoff);
      }
    }
    // Test-and-set: one write attempt per observed release.
    if (locked_.exchange(1, std::memory_order_acquire, where) == 0) return;
  }
}

}  // namespace weft
