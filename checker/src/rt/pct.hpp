// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
// Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
// Finding Bugs", ASPLOS 2010): a sampling strategy that runs the
// highest-priority enabled thread at every scheduling point and changes
// priorities at a few random steps only.
//
//   pct_strategy pct(seed, /*depth=*/3);
//   while (pct.begin_execution()) {  // always true: the caller bounds it
//     ... pct.pick_thread(choice) at every scheduling point ...
//     pct.end_execution();
//   }
//
// One execution. Every thread receives a distinct random priority when it
// first appears (in `choice.enabled`, or as `choice.current`); the paper's
// initial priorities are d, d+1, ..., d+n-1, randomly assigned. Threads are
// created during the execution, so a new thread is inserted at a uniformly
// random rank among the threads that still hold an initial priority, which
// makes the initial order a uniform random permutation whatever the order
// of arrival. Before the execution, d - 1 distinct change points
// k_1, ..., k_{d-1} are drawn uniformly from the steps 1..k, where a step is
// one pick_thread call (also with a single enabled thread) and k is the
// estimate of an execution's length: the most steps any earlier execution
// took (32, a guess, for the first one). At step k_i the thread about to run (the
// highest-priority enabled one: the running thread unless it blocked, ended
// or a newer thread outranks it) drops to priority d - i, below every
// initial priority; k_1 gives d - 1, k_2 gives d - 2, and so on, so the
// change points in their index order give successively lower priorities. The
// change points are drawn independently, so their index order is not their
// order in time, as in the paper.
//
// Guarantee (the paper's theorem): a bug of depth d (one that d ordering
// constraints between steps bring about) in a program with n threads and at
// most k steps is found by one execution with probability at least
// 1 / (n k^(d-1)); so depth 1 finds ordering bugs that need no preemption
// (a thread running before another), depth 2 an atomicity violation that
// needs one (the lost update of a racy counter). The bound needs k at least
// the execution's length: the first execution (when longer than 32 steps),
// and any execution longer than all before it, draws its change points from
// a range that is too short; later ones use the larger k.
//
// Yields. A thread that yields waits for another thread (a spin loop), so
// strict priorities would let it spin forever when it outranks the thread it
// waits for. When `choice.yielded` is set, the yielding thread drops below
// every other priority, initial or changed (as Coyote does), and each
// later yield drops it again. Yields do not consume change points.
//
// Other choices (spurious wake-ups, timeouts) are uniform random. All
// randomness comes from one xoshiro256 seeded by `seed`, so a search is
// reproducible; each execution's decisions are recorded by the execution
// itself, so a failure replays without PCT.
//
// Cost per scheduling point: O(n log n) in the n threads seen (at most
// max_threads), with no allocation once the vectors have grown.
//
// Concurrency contract: used from the checking OS thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rt/strategy.hpp"
#include "weft/seam/runtime.hpp"

namespace weft::rt {

class pct_strategy final : public strategy {
 public:
  // `depth` is d, at least 1 (0 is taken as 1): d - 1 change points per
  // execution.
  pct_strategy(std::uint64_t seed, std::uint32_t depth);

  bool begin_execution() override;
  std::optional<seam::thread_id> pick_thread(const thread_choice& choice) override;
  std::optional<std::uint32_t> pick(std::uint32_t n) override;
  void end_execution() override;

  // For tests and statistics. The current k (the range of change points).
  [[nodiscard]] std::uint64_t step_estimate() const noexcept { return estimate_; }
  // k_1, ..., k_{d-1} of the current execution, in index order.
  [[nodiscard]] std::span<const std::uint64_t> change_points() const noexcept {
    return change_points_;
  }
  // How many change points this execution has reached so far.
  [[nodiscard]] std::uint32_t changes_made() const noexcept { return changes_made_; }
  // pick_thread calls in this execution so far.
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }
  // Every thread seen in this execution, highest priority first.
  [[nodiscard]] std::vector<seam::thread_id> priority_order() const;

 private:
  // A thread's priority once it left the initial range (by a change point or
  // a yield); threads still in the initial range rank above all of these.
  static constexpr std::int64_t initial = INT64_MAX;

  void record_length();
  void admit(seam::thread_id id);
  void lower(seam::thread_id id, std::int64_t priority);
  [[nodiscard]] seam::thread_id highest(std::span<const seam::thread_id> enabled) const;

  xoshiro256 rng_;
  std::uint32_t depth_;
  std::uint64_t estimate_ = 32;  // before any execution: a guess
  std::uint64_t longest_ = 0;
  std::uint64_t steps_ = 0;
  std::uint32_t changes_made_ = 0;
  std::vector<std::uint64_t> change_points_;
  // Threads with an initial priority, highest first.
  std::vector<seam::thread_id> initial_order_;
  // Per thread id: `initial`, a changed priority, or nullopt (not seen).
  std::vector<std::optional<std::int64_t>> priority_;
  // The next yield priority: below every change point's d - i >= 1.
  std::int64_t yield_floor_ = 0;
};

}  // namespace weft::rt
