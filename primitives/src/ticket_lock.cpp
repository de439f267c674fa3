#include "weft/ticket_lock.hpp"

namespace weft {

namespace {

// How many times the next thread in line re-reads now_serving_ before
// parking: about a microsecond, long enough to ride out a short critical
// section, short enough not to matter when parking is inevitable.
constexpr int spin_limit = 100;

}  // namespace

ticket_lock::~ticket_lock() {
  if (internal::deadlock::tracks_destruction()) [[unlikely]] {
    internal::deadlock::destroyed(this);
  }
  if constexpr (WEFT_CHECKS) {
    if (now_serving_.load(std::memory_order_relaxed) !=
        next_ticket_.load(std::memory_order_relaxed)) {
      seam::report_misuse({{this, type_name},
                           seam::current_thread_id(),
                           owner_.get(),
                           "destroyed while locked",
                           weft::source_location::current()});
    }
  }
}

bool ticket_lock::before_ticket(weft::source_location where) {
  internal::deadlock::request(this, type_name, lock_mode::exclusive, where);
  // Native reads: under a checker the detector is inactive, and these must
  // not add steps to the model.
  if (!is_locked_for_diagnostics() || seam::active() != nullptr) return false;
  internal::deadlock::block(this, type_name, lock_mode::exclusive, false, true, where);
  return true;
}

void ticket_lock::wait_for_turn(std::uint32_t ticket, bool told_detector,
                                weft::source_location where) {
  if (!told_detector && internal::deadlock::on()) [[unlikely]] {
    internal::deadlock::block(this, type_name, lock_mode::exclusive, false, false, where);
  }

  // Spin only natively (under a checker spinning adds steps and no
  // behaviour), and only when next in line (see the header).
  if (seam::active() == nullptr) {
    for (int i = 0; i < spin_limit; ++i) {
      const std::uint32_t serving = now_serving_.load(std::memory_order_acquire, where);
      if (serving == ticket) return;
      if (ticket - serving > 1) break;
      seam::cpu_relax();
    }
  }

  seam::atomic<std::uint32_t>& slot = slot_for(ticket);
  for (;;) {
    std::uint32_t word = slot.load(std::memory_order_seq_cst, where);
    if ((word & parked_bit) == 0) {
      if (!slot.compare_exchange_weak(word, word | parked_bit, std::memory_order_seq_cst,
                                      std::memory_order_seq_cst, where)) {
        continue;
      }
      word |= parked_bit;
    }
    // The bit is published (seq_cst): an unlock that serves us after this
    // read will see it and wake the slot; one that served us before it is
    // seen here. If the bit was already set by a neighbour, it stays set
    // until the generation changes, which also fails our wait below.
    if (now_serving_.load(std::memory_order_seq_cst, where) == ticket) return;
    seam::futex_wait(slot, word);
  }
}

void ticket_lock::wake(std::uint32_t ticket, weft::source_location where) {
  // Only unlocks clear parked bits, and only the holder unlocks, so the bit
  // seen set by unlock() is still set: adding 1 clears it and carries into
  // the generation.
  seam::atomic<std::uint32_t>& slot = slot_for(ticket);
  slot.fetch_add(1, std::memory_order_seq_cst, where);
  // Every thread parked on the slot: the one holding `ticket` proceeds, the
  // others (tickets slot_count, 2 * slot_count, ... further back) re-park.
  seam::futex_wake_all(slot);
}

}  // namespace weft
