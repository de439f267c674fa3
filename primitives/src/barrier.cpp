#include "weft/internal/barrier_core.hpp"

namespace weft::internal {

namespace {

// Arrivals at a barrier often come close together: re-check for about a
// microsecond before parking.
constexpr int spin_limit = 100;

}  // namespace

void barrier_core::advance(std::uint32_t phase, weft::source_location where) {
  const std::uint32_t next = (phase + 1) & phase_mask;
  // The arrival that completed the phase synchronised with every earlier
  // arrival (one release sequence of RMWs on state_), so it sees every
  // arrive_and_drop of this phase in expected_.
  const std::uint64_t fresh =
      (static_cast<std::uint64_t>(next) << 32) | expected_.load(std::memory_order_relaxed, where);
  state_.store(fresh, std::memory_order_release, where);
  const std::uint32_t old = gate_.exchange(next << 1, std::memory_order_release, where);
  // Only the address reaches the kernel: harmless if a released waiter has
  // already destroyed the barrier.
  if ((old & waiters_bit) != 0) seam::futex_wake_all(gate_);
}

void barrier_core::wait(std::uint32_t phase, weft::source_location where) const {
  if (seam::active() == nullptr) {
    for (int i = 0; i < spin_limit; ++i) {
      if ((gate_.load(std::memory_order_acquire, where) >> 1) != phase) return;
      seam::cpu_relax();
    }
  }
  for (;;) {
    std::uint32_t g = gate_.load(std::memory_order_acquire, where);
    if ((g >> 1) != phase) return;
    if ((g & waiters_bit) == 0) {
      if (!gate_.compare_exchange_weak(g, g | waiters_bit, std::memory_order_acquire,
                                       std::memory_order_relaxed, where)) {
        continue;
      }
      g |= waiters_bit;
    }
    seam::futex_wait(gate_, g);
  }
}

}  // namespace weft::internal
