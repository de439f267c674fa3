#include "weft/internal/cv_core.hpp"

namespace weft::internal {

std::uint32_t cv_core::shutdown() {
  // Common case: no one inside a wait. A waiter that is leaving published
  // its leave() with release, so seeing zero here means it is done with us.
  std::uint32_t w = waiters_.load(std::memory_order_acquire);
  if ((w & count_mask) == 0) return 0;

  seq_at_shutdown_ = seq_.load(std::memory_order_relaxed);
  w = waiters_.fetch_or(destroying_bit, std::memory_order_seq_cst);
  // Release anyone still parked: a waiter a notify's wake has not reached
  // yet, or one that was never notified (the misuse leave() counts).
  seq_.fetch_add(1, std::memory_order_seq_cst);
  seam::futex_wake_all(seq_);
  w |= destroying_bit;
  while ((w & count_mask) != 0) {
    seam::futex_wait(waiters_, w);
    w = waiters_.load(std::memory_order_acquire);
  }
  return unnotified_.load();
}

void cv_core::note_left_during_shutdown(std::uint32_t ticket) {
  // No notify since this waiter entered: it was still waiting, un-notified,
  // when the destructor started.
  if (ticket == seq_at_shutdown_) unnotified_.fetch_add(1);
}

}  // namespace weft::internal
