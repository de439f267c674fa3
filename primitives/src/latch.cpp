#include "weft/latch.hpp"

namespace weft {

void latch::wait_impl(weft::source_location where) const {
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_acquire, where);
    if ((s & count_mask) == 0) return;
    if ((s & waiters_bit) == 0) {
      // Announce a parked thread first, so the final count_down() wakes.
      if (!state_.compare_exchange_weak(s, s | waiters_bit, std::memory_order_acquire,
                                        std::memory_order_relaxed, where)) {
        continue;
      }
      s |= waiters_bit;
    }
    seam::futex_wait(state_, s);
  }
}

}  // namespace weft
